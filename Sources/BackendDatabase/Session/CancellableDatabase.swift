import Logging
import NIOCore
import SQLKit

/// A session's database whose statements stop when the session's task is cancelled while they run (see
/// ``SessionCancellation``); everything else is the base's.
struct CancellableDatabase: SQLDatabase {
    let base: any SQLDatabase
    let cancellation: SessionCancellation
    /// Stops the statement running on the session's connection.
    let stop: @Sendable () -> SessionCancellation.Stop

    var logger: Logger { base.logger }
    var eventLoop: any EventLoop { base.eventLoop }
    var version: (any SQLDatabaseReportedVersion)? { base.version }
    var dialect: any SQLDialect { base.dialect }
    var queryLogLevel: Logger.Level? { base.queryLogLevel }

    func execute(
        sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void
    )
        -> EventLoopFuture<Void>
    {
        guard !SessionCancellation.isShielded else { return base.execute(sql: query, onRow) }
        let cancellation = self.cancellation
        guard let token = cancellation.statementStarted(stop: stop) else {
            return base.eventLoop.makeFailedFuture(CancellationError())
        }
        let promise = base.eventLoop.makePromise(of: Void.self)
        base.execute(sql: query, onRow).whenComplete { result in
            let stopped = cancellation.statementEnded(token)
            // A statement that finished before the stop took effect keeps its result.
            let complete: @Sendable () -> Void = {
                switch result {
                case .success: promise.succeed(())
                case .failure(let error): promise.fail(stopped == nil ? error : CancellationError())
                }
            }
            if let delivered = stopped?.delivered {
                delivered.whenComplete { _ in complete() }
            } else {
                complete()
            }
        }
        return promise.futureResult
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        try await execute(sql: query, onRow).get()
    }
}
