import BackendKit

/// The catalog's tables, in the plugin's database.
///
/// - `entities`: one row per entity: `entity_id` (its `metadata.uid`), `entity_ref` (the lower-cased
///   `kind:namespace/name`, unique), `kind`/`namespace`/`name` as written, `body` (the entity's JSON, encoded
///   once, sorted keys) and `location_key` (the `catalog.locations` entry it came from; `NULL` when registered
///   through the API).
/// - `search`: Backstage's flattened index, one row per `key`/`value` pair of an entity (lower-cased dotted keys,
///   one row per array element, `value` `NULL` for a key without scalar values), answering `filter=` without
///   reading any entity body.
enum CatalogMigrations {
    static let all: [DatabaseMigration] = [
        DatabaseMigration(id: "20261201_01_entities") { db in
            try await db.create(table: "entities")
                .column("entity_id", type: .text, .primaryKey(autoIncrement: false))
                .column("entity_ref", type: .text, .notNull, .unique)
                .column("kind", type: .text, .notNull)
                .column("namespace", type: .text, .notNull)
                .column("name", type: .text, .notNull)
                .column("body", type: .text, .notNull)
                .column("location_key", type: .text)
                .run()
            try await db.create(index: "entities_location_key_idx").on("entities").column("location_key").run()
        },
        DatabaseMigration(id: "20261201_02_search") { db in
            try await db.create(table: "search")
                .column("entity_id", type: .text, .notNull, .references("entities", "entity_id", onDelete: .cascade))
                .column("key", type: .text, .notNull)
                .column("value", type: .text)
                .run()
            try await db.create(index: "search_key_value_idx").on("search").column("key").column("value").run()
            try await db.create(index: "search_entity_id_idx").on("search").column("entity_id").run()
        },
        // Joining a condition to the next one looks up (entity_id, key); the value completes a covering index.
        DatabaseMigration(id: "20261201_03_search_entity_key") { db in
            try await db.create(index: "search_entity_key_value_idx").on("search")
                .column("entity_id").column("key").column("value").run()
            try await db.drop(index: "search_entity_id_idx").run()
        },
    ]
}
