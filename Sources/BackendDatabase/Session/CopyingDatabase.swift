import Logging
import NIOCore
import PostgresKit
import PostgresNIO
import SQLKit

/// A PostgreSQL session's connection as a database that also runs ``RowsCopy``: `COPY … FROM STDIN` through
/// postgres-nio, which `SQLDatabase` has no statement for. Everything else goes to the connection's SQLKit database.
///
/// Innermost in a session, so the deadline and cancellation wrapped around it apply to a copy as to any statement: a
/// cancelled copy is stopped on the server, which fails it.
struct CopyingDatabase: WrappingDatabase {
    let base: any SQLDatabase
    let connection: PostgresConnection

    init(connection: PostgresConnection) {
        self.base = connection.sql()
        self.connection = connection
    }

    func execute(
        sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void
    )
        -> EventLoopFuture<Void>
    {
        guard let copy = query as? RowsCopy else { return base.execute(sql: query, onRow) }
        let connection = self.connection
        let logger = base.logger
        let promise = connection.eventLoop.makePromise(of: Void.self)
        promise.completeWithTask {
            try await connection.copyFrom(table: copy.table, columns: copy.columns, logger: logger) { writer in
                try await writer.write(copy.rows)
            }
        }
        return promise.futureResult
    }
}
