import NIOConcurrencyHelpers

/// A database's open connections, in use by a session or idle.
public struct ConnectionUsage: Sendable, Equatable {
    /// Connections a session holds.
    public var inUse: Int
    /// Open connections no session holds.
    public var idle: Int

    /// Creates a count.
    public init(inUse: Int, idle: Int) {
        self.inUse = inUse
        self.idle = idle
    }
}

/// How many connections are open, how many a session holds, and how many statements that a cancellation would stop
/// are running.
struct ConnectionCounts: Sendable {
    var open = 0
    var leased = 0
    var stoppableStatements = 0
}

extension PluginDatabase {
    /// The connections this process holds open: in use by a session, or idle in the pool. For metrics; SQLite has one
    /// connection once opened.
    public var connectionUsage: ConnectionUsage {
        counts.withLockedValue { ConnectionUsage(inUse: $0.leased, idle: max(0, $0.open - $0.leased)) }
    }

    /// The statements running now that the cancellation of their session's task would stop (see
    /// ``SessionCancellation``).
    var stoppableStatements: Int { counts.withLockedValue { $0.stoppableStatements } }

    /// Runs `body` counted as a session that holds a connection.
    func leased<R>(_ body: () async throws -> R) async rethrows -> R {
        counts.withLockedValue { $0.leased += 1 }
        defer { counts.withLockedValue { $0.leased -= 1 } }
        return try await body()
    }
}
