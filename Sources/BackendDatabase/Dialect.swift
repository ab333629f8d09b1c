/// The SQL dialect of a plugin's database: which engine its statements run on.
///
/// Queries written with SQLKit's builders render for either engine; code that needs engine-specific SQL (an advisory
/// lock, a planner hint, a cache that only pays off in-process) switches on this instead of comparing names, so the
/// compiler points at every such place when an engine is added.
///
/// ```swift
/// switch env.database.dialect {
/// case .postgresql: try await db.raw("SELECT pg_advisory_xact_lock(\(bind: key))").run()
/// case .sqlite: break  // BEGIN IMMEDIATE already excludes other writers
/// }
/// ```
public enum Dialect: String, Sendable, Hashable, CaseIterable {
    /// Embedded SQLite.
    case sqlite
    /// A PostgreSQL server.
    case postgresql

    /// SQLKit's name of the dialect (`SQLDialect.name`): `sqlite` or `postgresql`.
    public var name: String { rawValue }
}

extension DatabaseSettings.Client {
    /// The dialect of this engine.
    public var dialect: Dialect {
        switch self {
        case .sqlite: .sqlite
        case .postgres: .postgresql
        }
    }
}
