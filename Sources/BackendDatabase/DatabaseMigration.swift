import BackendConfig
import BackendJSON
import Logging
import SQLKit

/// One step of a plugin's schema, applied once per database and recorded by its ``id``.
///
/// Migrations run in the order given; ids must be unique and should sort in that order (a date prefix does it).
/// Write them with SQLKit's builders, which render the right SQL for SQLite and PostgreSQL.
public struct DatabaseMigration: Sendable {
    /// The id recorded in `backend_migrations` once the migration has run.
    public let id: String
    /// Applies the migration. It runs inside a transaction with the record of its id.
    public let apply: @Sendable (any SQLDatabase) async throws -> Void

    /// A migration with `id` that runs `apply`.
    public init(id: String, apply: @escaping @Sendable (any SQLDatabase) async throws -> Void) {
        self.id = id
        self.apply = apply
    }
}

extension PluginDatabase {
    /// The table that records applied migrations, in every plugin's database (or schema).
    public static let migrationsTable = "backend_migrations"

    /// Applies every migration of `migrations` that this database has not recorded, in order, each in its own
    /// transaction together with its record; returns the ids it applied.
    ///
    /// Safe when several processes start at once against one PostgreSQL database: they take an advisory lock
    /// and wait for each other (instead of failing with "already locked"), and a migration recorded by the first
    /// is skipped by the others. On SQLite, `BEGIN IMMEDIATE` serialises writers the same way.
    ///
    /// - Throws: ``DatabaseConnectionError`` when the database cannot be reached, or the migration's own error
    ///   (wrapped with its id) after rolling it back.
    @discardableResult
    public func migrate(_ migrations: [DatabaseMigration]) async throws -> [String] {
        var seen = Set<String>()
        for migration in migrations where !seen.insert(migration.id).inserted {
            throw DatabaseConfigurationError(
                "Migration id '\(migration.id)' of plugin '\(pluginId)' is declared more than once")
        }
        let isPostgres = dialect == .postgresql
        let lockKey = Self.advisoryLockKey("\(Self.migrationsTable):\(pluginId)")
        let begin = beginStatement
        let pluginId = self.pluginId
        return try await withSession(bounded: false) { db in
            // No statement deadline: see `withSession(bounded:_:)`.
            if isPostgres { try await db.raw("SET statement_timeout = 0").run() }
            if isPostgres { try await db.raw("SELECT pg_advisory_lock(\(bind: lockKey))").run() }
            do {
                try await db.create(table: Self.migrationsTable).ifNotExists()
                    .column("id", type: .text, .primaryKey(autoIncrement: false))
                    .column("applied_at", type: .text, .notNull)
                    .run()
                var applied: [String] = []
                for migration in migrations {
                    let ran: Bool
                    do {
                        ran = try await Self.inTransaction(on: db, begin: begin) { db in
                            let done = try await db.select().column("id").from(Self.migrationsTable)
                                .where("id", .equal, migration.id).first()
                            guard done == nil else { return false }
                            try await migration.apply(db)
                            try await db.insert(into: Self.migrationsTable).columns("id", "applied_at")
                                .values(SQLBind(migration.id), SQLBind(SystemClock().timestamp()))
                                .run()
                            return true
                        }
                    } catch {
                        throw MigrationError(pluginId: pluginId, migrationId: migration.id, underlying: error)
                    }
                    if ran { applied.append(migration.id) }
                }
                if isPostgres {
                    try await db.raw("SELECT pg_advisory_unlock(\(bind: lockKey))").run()
                    try await db.raw("RESET statement_timeout").run()
                }
                return applied
            } catch {
                if isPostgres {
                    await Self.finish("SELECT pg_advisory_unlock(\(bind: lockKey))", on: db)
                    await Self.finish("RESET statement_timeout", on: db)
                }
                throw error
            }
        }
    }

    /// A stable 63-bit key for `pg_advisory_lock` (FNV-1a of the name; Swift's `hashValue` changes per process).
    static func advisoryLockKey(_ name: String) -> Int64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in name.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return Int64(bitPattern: hash & 0x7FFF_FFFF_FFFF_FFFF)
    }
}

/// A migration failed and was rolled back.
public struct MigrationError: Error, Sendable, CustomStringConvertible {
    /// The plugin whose migration failed.
    public let pluginId: String
    /// The migration's id.
    public let migrationId: String
    /// The database's reason.
    public let reason: String

    init(pluginId: String, migrationId: String, underlying: any Error) {
        self.pluginId = pluginId
        self.migrationId = migrationId
        self.reason = DatabaseConnectionError.reason(underlying)
    }

    /// `Migration '<id>' of plugin '<plugin>' failed: <reason>`.
    public var description: String {
        "Migration '\(migrationId)' of plugin '\(pluginId)' failed: \(reason)"
    }
}
