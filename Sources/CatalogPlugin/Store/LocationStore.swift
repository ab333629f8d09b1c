import BackendKit
import Foundation

/// The catalog's locations in the plugin's database (`locations`, ``CatalogMigrations``): the entries of
/// `catalog.locations`, recorded at startup with an id kept across restarts, and the ones registered through
/// `POST /locations`.
struct LocationStore: Sendable {
    /// A location as the API shows it: `{"id", "type", "target"}`.
    struct Location: Sendable, Equatable {
        /// Its id (a UUID).
        let id: String
        /// `file`.
        let type: String
        /// The absolute path (or pattern) it reads.
        let target: String
        /// Whether `catalog.locations` declares it (it cannot be deleted through the API).
        let fromConfig: Bool

        /// `{"id", "type", "target"}`.
        var json: JSONValue {
            .object(["id": .string(id), "type": .string(type), "target": .string(target)])
        }

        /// The `location_key` of the entities registered with it.
        var entityLocationKey: String { "\(LocationStore.registeredKeyPrefix)\(id)" }
    }

    /// The plugin's database.
    let database: PluginDatabase

    /// `location_key LIKE` this for the entities of registered locations (``Location/entityLocationKey``), which
    /// ``EntityStore/replaceLocationEntities(_:)`` leaves alone.
    static let registeredKeyPattern = "\(registeredKeyPrefix)%"
    /// The prefix of ``Location/entityLocationKey``.
    static let registeredKeyPrefix = "location:"

    /// Makes the config locations what `targets` says: new ones get an id, ones no longer declared are forgotten.
    func recordConfigLocations(_ targets: [(type: String, target: String)]) async throws {
        try await database.exclusiveTransaction(named: EntityStore.writeLock) { db in
            let existing = try await Self.all(db)
            for (type, target) in targets where !existing.contains(where: { $0.type == type && $0.target == target }) {
                try await db.insert(into: "locations").columns("id", "type", "target", "from_config")
                    .values(SQLBind(UUID.randomLowercased()), SQLBind(type), SQLBind(target), SQLBind(1)).run()
            }
            for location in existing where location.fromConfig {
                if !targets.contains(where: { $0.type == location.type && $0.target == location.target }) {
                    try await db.delete(from: "locations").where("id", .equal, location.id).run()
                }
            }
        }
    }

    /// Every location, config ones first, then by target.
    func list() async throws -> [Location] {
        try await database.withSession { db in try await Self.all(db) }
    }

    /// The location with this id, if any.
    func location(id: String) async throws -> Location? {
        try await list().first { $0.id == id }
    }

    /// The location of this type and target, if any.
    func location(type: String, target: String) async throws -> Location? {
        try await list().first { $0.type == type && $0.target == target }
    }

    /// Registers a location; throws `ConflictError` if one with the same type and target exists.
    func add(type: String, target: String) async throws -> Location {
        let location = Location(id: UUID.randomLowercased(), type: type, target: target, fromConfig: false)
        let conflict = try await database.transaction { db -> Bool in
            if try await Self.all(db).contains(where: { $0.type == type && $0.target == target }) { return true }
            try await db.insert(into: "locations").columns("id", "type", "target", "from_config")
                .values(SQLBind(location.id), SQLBind(type), SQLBind(target), SQLBind(0)).run()
            return false
        }
        if conflict { throw ConflictError("Location \(type):\(target) already exists") }
        return location
    }

    /// Forgets a registered location.
    func remove(id: String) async throws {
        try await database.withSession { db in try await db.delete(from: "locations").where("id", .equal, id).run() }
    }

    private static func all(_ db: any SQLDatabase) async throws -> [Location] {
        try await db.select().columns("id", "type", "target", "from_config").from("locations").all().map {
            Location(
                id: try $0.decode(column: "id", as: String.self), type: try $0.decode(column: "type", as: String.self),
                target: try $0.decode(column: "target", as: String.self),
                fromConfig: try $0.decode(column: "from_config", as: Int.self) != 0)
        }.sorted { ($0.fromConfig ? 0 : 1, $0.target) < ($1.fromConfig ? 0 : 1, $1.target) }
    }
}
