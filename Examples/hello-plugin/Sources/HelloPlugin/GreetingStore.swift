import BackendKit

/// The greetings in the plugin's database: table `greetings` (`id`, `name`, `created_by`).
struct GreetingStore: Sendable {
    /// The plugin's database.
    let database: PluginDatabase

    static let migrations = [
        DatabaseMigration(id: "20261205_01_greetings") { db in
            try await db.create(table: "greetings")
                .column("id", type: .bigint, .primaryKey(autoIncrement: true))
                .column("name", type: .text, .notNull)
                .column("created_by", type: .text)
                .run()
        }
    ]

    /// Creates the table if needed (each migration runs once per database).
    func migrate() async throws {
        try await database.migrate(Self.migrations)
    }

    /// Stores a greeting and returns it.
    func add(name: String, by subject: String?) async throws -> Greeting {
        try await database.withSession { db in
            let id =
                try await db.insert(into: "greetings").columns("name", "created_by")
                .values(SQLBind(name), SQLBind(subject)).returning("id")
                .first(decodingColumn: "id", as: Int.self) ?? 0
            return Greeting(id: id, name: name, createdBy: subject)
        }
    }

    /// Every greeting, newest first.
    func all() async throws -> [Greeting] {
        try await database.withSession { db in
            try await db.select().columns("id", "name", "created_by").from("greetings")
                .orderBy("id", .descending).all()
                .map { row in
                    Greeting(
                        id: try row.decode(column: "id", as: Int.self),
                        name: try row.decode(column: "name", as: String.self),
                        createdBy: try row.decode(column: "created_by", as: String?.self))
                }
        }
    }

    /// Deletes all but the newest `count` greetings; returns how many it deleted.
    func keepNewest(_ count: Int) async throws -> Int {
        try await database.withSession { db in
            let ids = try await db.select().column("id").from("greetings").orderBy("id", .descending)
                .all(decodingColumn: "id", as: Int.self)
            let old = Array(ids.dropFirst(max(count, 0)))
            guard !old.isEmpty else { return 0 }
            try await db.delete(from: "greetings").where("id", .in, old).run()
            return old.count
        }
    }
}

/// A stored greeting.
public struct Greeting: ResponseCodable, Equatable, Sendable {
    /// Its id (increasing).
    public let id: Int
    /// Who is greeted.
    public let name: String
    /// The subject of the caller who stored it; `nil` when auth is disabled.
    public let createdBy: String?
}
