import Logging
import NIOConcurrencyHelpers

extension PluginDatabase {
    /// Whether `error` says the database could not be reached or used, so that the same call may succeed once it is
    /// back: a ``DatabaseUnavailableError`` or ``DatabaseConnectionError``, on either engine. Background loops use it
    /// to wait quietly for the database (its outage is logged once, here) instead of reporting every attempt.
    public static func isOutage(_ error: any Error) -> Bool {
        error is DatabaseUnavailableError || error is DatabaseConnectionError
    }

    /// A readable description of a database error for messages and logs. PostgresNIO's errors hide their details
    /// from `description` (so that they cannot leak data); this gives the server's message and SQLSTATE, or the
    /// connection failure, which never contain a password.
    public static func describe(_ error: any Error) -> String {
        DatabaseConnectionError.reason(error)
    }

    /// Whether an outage is being reported, and a count of the changes (see `noteFailure(_:epoch:)`).
    struct Availability: Sendable {
        var isUnreachable = false
        var epoch = 0
    }

    /// True while an outage is being reported (between the two log lines).
    var isUnreachable: Bool { availability.withLockedValue { $0.isUnreachable } }

    /// A session of `epoch` failed with `error`: returns what to throw, and logs the start of an outage once.
    ///
    /// An outage starts only on evidence from a session that began after the last change (a session that began
    /// before the database came back may still fail with the old connection's error), and so does a recovery.
    func noteFailure(_ error: any Error, epoch: Int) -> any Error {
        let outage: DatabaseUnavailableError
        switch error {
        case let error as DatabaseUnavailableError:
            // Thrown by a statement whose client-side deadline closed its connection (see `StatementDeadline`).
            outage = error
        case let error as DatabaseConnectionError:
            outage = DatabaseUnavailableError(pluginId: pluginId, address: address, reason: error.reason)
        default:
            guard DatabaseUnavailableError.isDriverOutage(error) else { return error }
            outage = DatabaseUnavailableError(
                pluginId: pluginId, address: address, reason: DatabaseConnectionError.reason(error))
        }
        let began = availability.withLockedValue { state in
            guard !state.isUnreachable, state.epoch == epoch else { return false }
            state.isUnreachable = true
            state.epoch += 1
            return true
        }
        if began { logger.error("\(outage.description)") }
        // A database that could not be opened keeps its own error, whose message startup prints.
        return error is DatabaseConnectionError ? error : outage
    }

    /// A session of `epoch` succeeded: logs the end of an outage once.
    func noteSuccess(epoch: Int) {
        let ended = availability.withLockedValue { state in
            guard state.isUnreachable, state.epoch == epoch else { return false }
            state.isUnreachable = false
            state.epoch += 1
            return true
        }
        if ended { logger.info("Database for plugin \(pluginId) is reachable again") }
    }
}
