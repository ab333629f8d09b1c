import BackendAuth
import BackendDatabase
import BackendJSON
import Logging
import SQLKit

/// Backstage's `backstage_backend_public_keys__keys` table in a plugin's database: the public keys of every
/// replica of the plugin, which its `/.backstage/auth/v1/jwks.json` serves.
///
/// A row is `id` (the `kid`), `key` (the public JWK as JSON text) and `expires_at` (ISO 8601 text with
/// milliseconds, as JavaScript's `toISOString()` writes it, so rows written by Backstage compare the same way).
/// ``addKey(_:expiresAt:)`` returns once the row is committed, so a key never signs before verifiers can find it.
/// Listing leaves out expired rows and removes them, as Backstage's store does. Private keys are never stored.
public actor DatabasePublicKeyStore: PluginPublicKeyStore {
    /// The table, as Backstage names it.
    public static let table = "backstage_backend_public_keys__keys"

    static let migrations = [
        DatabaseMigration(id: "backstage_backend_public_keys_20261205_01_keys") { db in
            try await db.create(table: table).ifNotExists()
                .column("id", type: .text, .primaryKey(autoIncrement: false))
                .column("key", type: .text, .notNull)
                .column("expires_at", type: .text, .notNull)
                .run()
        }
    ]

    private let database: PluginDatabase
    private let logger: Logger
    private var migrated = false

    /// The store in `database`; the table is created on first use.
    public init(database: PluginDatabase, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    /// Creates the table if it does not exist yet (once per process).
    public func migrate() async throws {
        guard !migrated else { return }
        try await database.migrate(Self.migrations)
        migrated = true
    }

    /// Inserts the row of `key` and commits it.
    public func addKey(_ key: PluginPublicKey, expiresAt: Double) async throws {
        try await migrate()
        let row = (
            id: key.keyId, json: key.jwk.jsonText(),
            expiresAt: ISO8601Timestamp.format(expiresAt, milliseconds: .always)
        )
        try await database.withSession { db in
            try await db.insert(into: Self.table)
                .columns("id", "key", "expires_at")
                .values(SQLBind(row.id), SQLBind(row.json), SQLBind(row.expiresAt))
                .run()
        }
    }

    /// The keys whose rows have not expired at `now`; expired rows are deleted.
    public func listKeys(now: Double) async throws -> [PluginPublicKey] {
        try await migrate()
        let cutoff = ISO8601Timestamp.format(now, milliseconds: .always)
        let (rows, expired) = try await database.withSession { db in
            let rows = try await db.select().columns("id", "key", "expires_at").from(Self.table)
                .orderBy("expires_at").all()
            var keys: [(id: String, key: String)] = []
            var expired: [String] = []
            for row in rows {
                let id = try row.decode(column: "id", as: String.self)
                if try row.decode(column: "expires_at", as: String.self) <= cutoff {
                    expired.append(id)
                } else {
                    keys.append((id, try row.decode(column: "key", as: String.self)))
                }
            }
            if !expired.isEmpty {
                try await db.delete(from: Self.table).where("expires_at", .lessThanOrEqual, SQLBind(cutoff)).run()
            }
            return (keys, expired)
        }
        if !expired.isEmpty {
            logger.info("Removed expired plugin keys '\(expired.joined(separator: "', '"))'")
        }
        return rows.compactMap { row in
            guard let key = try? PluginPublicKey(jsonText: row.key) else {
                logger.warning("Plugin key row '\(row.id)' in \(Self.table) is not a usable JSON Web Key; left out")
                return nil
            }
            return key
        }
    }
}
