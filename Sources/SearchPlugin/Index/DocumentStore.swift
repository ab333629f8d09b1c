import BackendKit
import Foundation

/// The collated documents in the search plugin's database, so that a restarted process answers queries from the
/// last successful collation at once. Queries are answered from the in-memory ``SearchIndex`` built from them.
///
/// Table `documents`: `position` (the collator's order) and `body` (the document's JSON); table `document_sets`
/// holds one row whose `generation` grows with every replacement, so replicas that did not run the collation see
/// that there is a newer set and load it.
struct DocumentStore: Sendable {
    /// The plugin's database.
    let database: PluginDatabase

    static let migrations = [
        DatabaseMigration(id: "20261201_01_documents") { db in
            try await db.create(table: "documents")
                .column("position", type: .bigint, .primaryKey(autoIncrement: false))
                .column("body", type: .text, .notNull)
                .run()
        },
        DatabaseMigration(id: "20261201_02_document_sets") { db in
            try await db.create(table: "document_sets")
                .column("id", type: .int, .primaryKey(autoIncrement: false))
                .column("generation", type: .bigint, .notNull)
                .run()
            try await db.insert(into: "document_sets").columns("id", "generation").values(SQLBind(1), SQLBind(0)).run()
        },
    ]

    /// Creates the table if needed.
    func migrate() async throws {
        try await database.migrate(Self.migrations)
    }

    /// The stored documents, in collation order, with their generation (read in one transaction).
    func load() async throws -> (documents: [CatalogEntityDocument], generation: Int) {
        let (bodies, generation) = try await database.transaction { db in
            let generation = try await Self.generation(db)
            let bodies = try await db.select().column("body").from("documents").orderBy("position")
                .all(decodingColumn: "body", as: String.self)
            return (bodies, generation)
        }
        let decoder = JSONDecoder()
        return (try bodies.map { try decoder.decode(CatalogEntityDocument.self, from: Data($0.utf8)) }, generation)
    }

    /// The generation of the stored set (one small query, for replicas checking whether to reload).
    func generation() async throws -> Int {
        try await database.withSession { db in try await Self.generation(db) }
    }

    private static func generation(_ db: any SQLDatabase) async throws -> Int {
        try await db.select().column("generation").from("document_sets").where("id", .equal, 1)
            .first(decodingColumn: "generation", as: Int.self) ?? 0
    }

    /// Replaces the stored documents with `documents`, in one transaction; returns the new generation.
    @discardableResult
    func replace(with documents: [CatalogEntityDocument]) async throws -> Int {
        let encoder = JSONEncoder.backend()
        let bodies = try documents.map { String(decoding: try encoder.encode($0), as: UTF8.self) }
        return try await database.transaction { db in
            try await db.delete(from: "documents").run()
            try await db.insert(into: "documents", columns: ["position", "body"], from: bodies.indices) { index in
                [[.int(index), .string(bodies[index])]]
            }
            return try await db.update("document_sets")
                .set("generation", to: SQLBinaryExpression(SQLColumn("generation"), .add, SQLLiteral.numeric("1")))
                .where("id", .equal, 1).returning("generation")
                .first(decodingColumn: "generation", as: Int.self) ?? 0
        }
    }
}
