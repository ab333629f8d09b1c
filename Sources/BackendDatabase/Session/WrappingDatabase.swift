import Logging
import NIOCore
import SQLKit

/// A database that wraps another to change how statements run (a deadline, cancellation) and is the base for
/// everything else: the one place that forwards the rest of `SQLDatabase`.
protocol WrappingDatabase: SQLDatabase {
    /// The database whose statements this one runs.
    var base: any SQLDatabase { get }
}

extension WrappingDatabase {
    var logger: Logger { base.logger }
    var eventLoop: any EventLoop { base.eventLoop }
    var version: (any SQLDatabaseReportedVersion)? { base.version }
    var dialect: any SQLDialect { base.dialect }
    var queryLogLevel: Logger.Level? { base.queryLogLevel }

    /// The wrapper's future-returning `execute`, awaited, so both forms run statements the same way.
    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        try await execute(sql: query, onRow).get()
    }
}
