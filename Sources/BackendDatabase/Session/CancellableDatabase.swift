import Logging
import NIOCore
import SQLKit

/// A session's database whose statements stop when the session's task is cancelled while they run (see
/// ``SessionCancellation``); everything else is the base's.
struct CancellableDatabase: WrappingDatabase {
    let base: any SQLDatabase
    let cancellation: SessionCancellation
    /// Stops the statement running on the session's connection.
    let stop: @Sendable () -> SessionCancellation.Stop

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
}
