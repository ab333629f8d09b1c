import NIOCore
import NIOPosix
import PostgresNIO
import SQLiteNIO

/// A plugin's database cannot serve a session now: the server is down, restarting or refusing connections, the
/// connection broke, or (SQLite) another process holds the file's lock or the file cannot be written.
///
/// ``PluginDatabase/withSession(_:)`` (and so ``PluginDatabase/transaction(_:)``) throws it in place of the driver's
/// error, on both engines, so that callers tell an outage (which passes when the database is back) from a query that
/// fails. The host answers it with `503 ServiceUnavailableError`. The description is the operator's log line, which
/// names where the database is and the driver's reason, and never a password:
///
/// `Database for plugin catalog is unreachable at 127.0.0.1:5432: connection refused`
public struct DatabaseUnavailableError: Error, Sendable, CustomStringConvertible {
    /// The plugin whose database it is.
    public let pluginId: String
    /// Where the database is: `host:port` for PostgreSQL, the file (or `SQLite in memory`) for SQLite.
    public let address: String
    /// The driver's reason.
    public let reason: String

    /// An outage of `pluginId`'s database at `address`, for `reason`.
    public init(pluginId: String, address: String, reason: String) {
        self.pluginId = pluginId
        self.address = address
        self.reason = reason
    }

    /// `Database for plugin <id> is unreachable at <address>: <reason>`.
    public var description: String {
        "Database for plugin \(pluginId) is unreachable at \(address): \(reason)"
    }

    /// Whether `error`, thrown by a driver, says the database cannot be reached or used now (as opposed to a query it
    /// refused):
    ///
    /// - PostgreSQL: no connection could be made or it broke (refused, timed out, closed), the pool had none to give
    ///   within its request timeout, or the server answered with SQLSTATE class 08 (connection exception), 53
    ///   (insufficient resources: too many connections, disk full) or 57P01–57P03 (shutting down, crashed, starting
    ///   up);
    /// - SQLite: the file is locked by another process past the busy timeout, cannot be opened, read or written, or
    ///   the disk is full.
    static func isDriverOutage(_ error: any Error) -> Bool {
        switch error {
        case let error as PSQLError:
            switch error.code {
            case .connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown:
                return true
            case .server:
                guard let state = error.serverInfo?[.sqlState] else { return false }
                return state.hasPrefix("08") || ["53000", "53100", "53200", "53300"].contains(state)
                    || ["57P01", "57P02", "57P03"].contains(state)
            default:
                return false
            }
        case let error as SQLiteError:
            return isDriverOutage(error.reason)
        case is ConnectionRequestTimeoutError, is NIOConnectionError, is ChannelError, is IOError:
            return true
        default:
            return false
        }
    }

    /// SQLite's busy, locked, I/O, full, cannot-open and read-only results (the last when the file or its folder
    /// stopped being writable, or was moved or deleted under the open connection).
    private static func isDriverOutage(_ reason: SQLiteError.Reason) -> Bool {
        switch reason {
        case .busy, .busyInRecovery, .busyInSnapshot, .busyTimeout, .locked, .lockedBySharedCache, .full, .cantOpen,
            .cantOpenDirectory, .readOnly, .readonlyCantLock, .readonlyInRecovery, .readonlyInRollback,
            .readonlyBackingMoved, .readonlyDirectory:
            return true
        case .ioError, .ioErrorFailedRead, .ioErrorIncompleteRead, .ioErrorFailedWrite, .ioErrorFailedSync,
            .ioErrorFailedDirSync, .ioErrorFailedTruncate, .ioErrorFailedStat, .ioErrorFailedUnlock,
            .ioErrorFailedReadLock, .ioErrorFailedDelete, .ioErrorNoMemory, .ioErrorFailedAccess,
            .ioErrorFailedLockCheck, .ioErrorFailedAdvisoryLock, .ioErrorFailedClose, .ioErrorFailedSharedMemOpen,
            .ioErrorFailedSharedMemSize, .ioErrorFailedSharedMemMap, .ioErrorFailedDeleteNonexistent,
            .ioErrorFailedMemoryMap, .ioErrorCantFindTempdir, .ioErrorCorruptedFilesystem:
            return true
        default:
            return false
        }
    }
}
