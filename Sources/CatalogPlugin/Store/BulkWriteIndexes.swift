import BackendKit

/// The secondary indexes and foreign keys of some tables, dropped before a bulk write into them and created again,
/// exactly as the database defined them, once it is done.
///
/// Measured (BENCHMARKS.md, "Bulk loads"): the rows of 100,000 entities reach the `(key, value, entity_id)` index of
/// `search` in random order. On SQLite, growing it entry by entry took twice as long as inserting without it and
/// building it once, by sorting. On PostgreSQL, 1.3 million `search` rows took 16.3 s with the indexes and the foreign
/// key in place, 10.2 s without the foreign key, and 6 s without either, building both and checking the key afterwards
/// included.
///
/// The drops and creations run in the caller's transaction: all or nothing.
struct BulkWriteIndexes {
    /// The statements that drop the foreign keys, then the indexes.
    private let drops: [SQLQueryString]
    /// The statements that create the indexes, then the foreign keys.
    private let creations: [SQLQueryString]

    /// Entities written at once from which a write rebuilds the indexes rather than growing them.
    static let threshold = 10_000

    /// Runs `body`, a bulk write of `count` entities' rows to `tables` of `db`, with the tables' indexes and foreign
    /// keys rebuilt around it when it is large enough to pay off and no reader can be kept waiting for long:
    ///
    /// - On SQLite, when `count` reaches ``threshold`` and the catalog held at most as many entities before. Its
    ///   database belongs to one process, whose sessions run one at a time, so no reader can see the tables without
    ///   their indexes.
    /// - On PostgreSQL, only when `count` reaches ``threshold`` and the catalog held no entity before: dropping a
    ///   foreign key locks both of its tables until the transaction commits, so another replica's readers wait for
    ///   the load. Of a catalog that is still empty they would read nothing; of a filled one they would be kept from
    ///   what they could read.
    ///
    /// `count` must include the entities already written to `entities` by the same transaction.
    static func rebuilding(
        _ tables: [String], _ db: any SQLDatabase, dialect: Dialect, when count: Int, _ body: () async throws -> Void
    ) async throws {
        guard count >= threshold,
            let stored = try await db.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n")
                .from("entities").first(decodingColumn: "n", as: Int.self),
            stored <= (dialect == .sqlite ? 2 * count : count)
        else { return try await body() }
        let definitions = try await read(tables, db, dialect: dialect)
        for statement in definitions.drops {
            try await db.raw(statement).run()
        }
        try await body()
        // SQLite sorts an index's entries on one thread unless told it may use more: 2.3 s became 1.9 s of a first load.
        if dialect == .sqlite { try await db.raw("PRAGMA threads = 2").run() }
        for statement in definitions.creations {
            try await db.raw(statement).run()
        }
        if dialect == .sqlite { try await db.raw("PRAGMA threads = 0").run() }
    }

    /// The definitions of `tables`' indexes (not those a primary key or unique constraint implies: those stay) and,
    /// on PostgreSQL, of their foreign keys.
    private static func read(_ tables: [String], _ db: any SQLDatabase, dialect: Dialect) async throws -> Self {
        switch dialect {
        case .sqlite:
            // `sql` is NULL for the indexes a constraint implies. SQLite cannot drop a foreign key.
            let indexes = try await db.select().columns("name", "sql").from("sqlite_master")
                .where("type", .equal, "index").where("tbl_name", .in, tables).where("sql", .isNot, SQLLiteral.null)
                .orderBy("name").all()
            var drops: [SQLQueryString] = []
            var creations: [SQLQueryString] = []
            for index in indexes {
                drops.append("DROP INDEX \(ident: try index.decode(column: "name", as: String.self))")
                creations.append("\(unsafeRaw: try index.decode(column: "sql", as: String.self))")
            }
            return Self(drops: drops, creations: creations)
        case .postgresql:
            let indexes = try await db.raw(
                """
                SELECT c.relname AS name, pg_get_indexdef(c.oid) AS sql FROM pg_index x
                JOIN pg_class c ON c.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
                WHERE t.relnamespace = current_schema()::regnamespace AND t.relname IN (\(binds: tables))
                AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid AND k.conrelid = t.oid)
                ORDER BY c.relname
                """
            ).all()
            let foreignKeys = try await db.raw(
                """
                SELECT k.conname AS name, t.relname AS "table", pg_get_constraintdef(k.oid) AS sql FROM pg_constraint k
                JOIN pg_class t ON t.oid = k.conrelid
                WHERE k.contype = 'f' AND t.relnamespace = current_schema()::regnamespace
                AND t.relname IN (\(binds: tables))
                ORDER BY t.relname, k.conname
                """
            ).all()
            var drops: [SQLQueryString] = []
            var creations: [SQLQueryString] = []
            for key in foreignKeys {
                let name = try key.decode(column: "name", as: String.self)
                let table = try key.decode(column: "table", as: String.self)
                drops.append("ALTER TABLE \(ident: table) DROP CONSTRAINT \(ident: name)")
                creations.append(
                    "ALTER TABLE \(ident: table) ADD CONSTRAINT \(ident: name) \(unsafeRaw: try key.decode(column: "sql", as: String.self))"
                )
            }
            // Indexes before the keys: creating them is what the keys' checks would otherwise slow down.
            var indexCreations: [SQLQueryString] = []
            for index in indexes {
                drops.append("DROP INDEX \(ident: try index.decode(column: "name", as: String.self))")
                indexCreations.append("\(unsafeRaw: try index.decode(column: "sql", as: String.self))")
            }
            return Self(drops: drops, creations: indexCreations + creations)
        }
    }
}
