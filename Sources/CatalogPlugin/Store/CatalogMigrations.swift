import BackendKit

/// The catalog's tables, in the plugin's database.
///
/// - `entities`: one row per entity: `entity_id` (its `metadata.uid`), `entity_ref` (the lower-cased
///   `kind:namespace/name`, unique), `kind`/`namespace`/`name` as written, `body` (the entity's JSON, encoded
///   once, sorted keys) and `location_key` (the `catalog.locations` entry it came from; `NULL` when registered
///   through the API).
/// - `search`: Backstage's flattened index, one row per `key`/`value` pair of an entity (lower-cased dotted keys,
///   one row per array element, `value` `NULL` for a key without scalar values), answering `filter=` without
///   reading any entity body; `original_value` is the value as written, for facets.
/// - `relations`: Backstage's relations table: `source_entity_ref` `type` `target_entity_ref` (lower-cased refs),
///   each row owned by the entity whose field produced it (`originating_entity_id`, removed with it). An entity's
///   `relations` array is the rows whose source it is, whichever entity they came from (``RelationStitcher``).
/// - `locations`: `id`, `type`, `target` (unique together) and `from_config` (1 for a `catalog.locations` entry,
///   0 for one registered through `POST /locations`, whose entities have `location_key` `location:<id>`).
/// - `entities.source_body`: the entity as its location or `POST` gave it (with its uid, without `relations`), so a
///   restart can tell an unchanged location entity without recomputing relations.
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
        // Relations: the table, the source body and facet values, then every stored entity rebuilt once
        // so that bodies, `search` rows and relations agree.
        DatabaseMigration(id: "20261201_04_relations") { db in
            try await db.create(table: "relations")
                .column(
                    "originating_entity_id", type: .text, .notNull,
                    .references("entities", "entity_id", onDelete: .cascade)
                )
                .column("source_entity_ref", type: .text, .notNull)
                .column("type", type: .text, .notNull)
                .column("target_entity_ref", type: .text, .notNull)
                .run()
            try await db.create(index: "relations_source_idx").on("relations").column("source_entity_ref").run()
            try await db.create(index: "relations_originating_idx").on("relations").column("originating_entity_id")
                .run()
            try await db.alter(table: "entities").column("source_body", type: .text).run()
            try await db.alter(table: "search").column("original_value", type: .text).run()
            try await RelationStitcher.rebuildAll(db)
        },
        // Locations: the ones `catalog.locations` declares and the ones registered through the API.
        DatabaseMigration(id: "20261201_05_locations") { db in
            try await db.create(table: "locations")
                .column("id", type: .text, .primaryKey(autoIncrement: false))
                .column("type", type: .text, .notNull)
                .column("target", type: .text, .notNull)
                .column("from_config", type: .int, .notNull)
                .run()
            try await db.create(index: "locations_type_target_idx").on("locations").column("type").column("target")
                .unique().run()
        },
        // by-query pages ordered by a field walk `search` in (key, value, entity_id) order from the cursor's position;
        // the index also serves every (key, value) lookup the one it replaces did.
        DatabaseMigration(id: "20261201_06_search_order") { db in
            try await db.create(index: "search_key_value_entity_idx").on("search")
                .column("key").column("value").column("entity_id").run()
            try await db.drop(index: "search_key_value_idx").run()
        },
        // No statistics for the bodies: nothing filters, groups or sorts by them, and PostgreSQL's ANALYZE of
        // `entities` after a bulk load of 100,000 entities took 0.31 s with them and 0.18 s without (BENCHMARKS.md,
        // "Bulk loads"). SQLite gathers statistics for indexes only.
        DatabaseMigration(id: "20261205_07_body_statistics") { db in
            guard Dialect(rawValue: db.dialect.name) == .postgresql else { return }
            try await db.raw(
                "ALTER TABLE entities ALTER COLUMN body SET STATISTICS 0, ALTER COLUMN source_body SET STATISTICS 0"
            ).run()
        },
    ]
}
