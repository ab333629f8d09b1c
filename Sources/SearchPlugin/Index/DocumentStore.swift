import BackendKit
import Foundation

/// The collated documents in the search plugin's database, so that a restarted process answers queries from the
/// last successful collation at once. Queries are answered from the in-memory ``SearchIndex`` built from them.
///
/// Table `documents`: `position` (the collator's order) and `body` (the document's JSON).
struct DocumentStore: Sendable {
    /// The plugin's database.
    let database: PluginDatabase

    static let migrations = [
        DatabaseMigration(id: "20261201_01_documents") { db in
            try await db.create(table: "documents")
                .column("position", type: .bigint, .primaryKey(autoIncrement: false))
                .column("body", type: .text, .notNull)
                .run()
        }
    ]

    /// Creates the table if needed.
    func migrate() async throws {
        try await database.migrate(Self.migrations)
    }

    /// The stored documents, in collation order.
    func load() async throws -> [CatalogEntityDocument] {
        let bodies = try await database.withSession { db in
            try await db.select().column("body").from("documents").orderBy("position")
                .all(decodingColumn: "body", as: String.self)
        }
        let decoder = JSONDecoder()
        return try bodies.map { try decoder.decode(CatalogEntityDocument.self, from: Data($0.utf8)) }
    }

    /// Replaces the stored documents with `documents`, in one transaction.
    func replace(with documents: [CatalogEntityDocument]) async throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let bodies = try documents.map { String(decoding: try encoder.encode($0), as: UTF8.self) }
        try await database.transaction { db in
            try await db.delete(from: "documents").run()
            // Batches keep each statement well under the databases' bind-parameter limits.
            for start in stride(from: 0, to: bodies.count, by: 500) {
                var insert = db.insert(into: "documents").columns("position", "body")
                for index in start..<min(start + 500, bodies.count) {
                    insert = insert.values(SQLBind(index), SQLBind(bodies[index]))
                }
                try await insert.run()
            }
        }
    }
}
