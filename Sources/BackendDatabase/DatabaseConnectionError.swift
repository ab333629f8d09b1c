import Foundation
import NIOCore
import NIOPosix
import PostgresNIO

/// A plugin's database could not be reached: the message names the plugin, where the database is and the driver's
/// reason, and never a password.
///
/// `Could not connect to the database of plugin 'catalog' (PostgreSQL 127.0.0.1:5999/backstage_plugin_catalog)
/// after 3 attempts: connection refused`
public struct DatabaseConnectionError: Error, Sendable, CustomStringConvertible {
    /// The plugin whose database it is.
    public let pluginId: String
    /// Where the database is (``PluginDatabase/location``).
    public let location: String
    /// The driver's reason for the last attempt.
    public let reason: String

    init(pluginId: String, location: String, underlying: (any Error)?) {
        self.pluginId = pluginId
        self.location = location
        self.reason = underlying.map(Self.reason) ?? "unknown error"
    }

    /// The message.
    public var description: String {
        "Could not connect to the database of plugin '\(pluginId)' (\(location)) after "
            + "\(PluginDatabase.connectAttempts) attempts: \(reason)"
    }

    /// A readable reason for a driver error. PostgresNIO's `PSQLError` hides its details from `description`, so the
    /// server's message or the connection failure is taken from its fields.
    static func reason(_ error: any Error) -> String {
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] {
                let state = error.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? ""
                return message + state
            }
            if let underlying = error.underlying { return reason(underlying) }
            return "\(error.code)"
        }
        switch error {
        case let error as NIOConnectionError:
            // The last address tried says why (`connection refused`); NIO's own text nests every attempt.
            if let last = error.connectionErrors.last { return reason(last.error) }
            if let failure = error.dnsAError ?? error.dnsAAAAError {
                return "could not resolve \(error.host): \(failure)"
            }
            return "\(error)"
        case let error as IOError:
            let text = String(cString: strerror(error.errnoCode))
            return text.prefix(1).lowercased() + text.dropFirst()
        case ChannelError.connectTimeout:
            return "connection timed out"
        default:
            return "\(error)"
        }
    }
}
