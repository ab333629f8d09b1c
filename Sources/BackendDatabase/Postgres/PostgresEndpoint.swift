import BackendJSON
import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO

/// How this process connects to one plugin's PostgreSQL database: the pool's configuration, and single connections
/// with the same settings for the connection check, statement cancellation and creating the database.
struct PostgresEndpoint: Sendable {
    /// Where the database is.
    let target: DatabaseSettings.PostgresTarget
    /// The server-side deadline each session's connection starts with (see ``StatementDeadline``).
    let statementTimeout: Duration?

    /// ``PluginDatabase/connectTimeout``, as the pool takes it.
    static let connectTimeout: Duration = .nanoseconds(PluginDatabase.connectTimeout.nanoseconds)

    /// The parameters a session's connection starts with: the statement deadline, and the plugin's schema first on
    /// the search path in `schema` division mode. Sent in the startup message, so that no connection is ever handed
    /// out before they apply.
    var sessionParameters: [(String, String)] {
        var parameters: [(String, String)] = []
        if let statementTimeout {
            parameters.append(("statement_timeout", "\(Self.milliseconds(statementTimeout))"))
        }
        if let schema = target.schema {
            // A quoted identifier, as `SET search_path TO "<schema>"` would take it.
            parameters.append(("search_path", "\"" + schema.replacingOccurrences(of: "\"", with: "\"\"") + "\""))
        }
        return parameters
    }

    /// The pool's configuration: `maximumConnections` at most, each started with ``sessionParameters``.
    ///
    /// Idle connections stay open and are not pinged, as the pool this one replaced kept them: a connection that
    /// broke while idle fails the session that next takes it, which reports the outage.
    func clientConfiguration(maximumConnections: Int) -> PostgresClient.Configuration {
        let tls: PostgresClient.Configuration.TLS
        switch target.tls {
        case .disabled: tls = .disable
        case .verified: tls = .require(.makeClientConfiguration())
        case .unverified: tls = .require(Self.unverifiedTLS)
        }
        var configuration = PostgresClient.Configuration(
            host: target.host, port: target.port, username: target.user, password: target.password,
            database: target.database, tls: tls)
        configuration.options.connectTimeout = Self.connectTimeout
        configuration.options.additionalStartupParameters = sessionParameters
        configuration.options.maximumConnections = maximumConnections
        configuration.options.minimumConnections = 0
        configuration.options.connectionIdleTimeout = .seconds(24 * 3600)
        configuration.options.keepAliveBehavior = nil
        return configuration
    }

    /// Opens one connection outside the pool to `database` (the plugin's by default), with ``sessionParameters``
    /// when `asSession`.
    func connect(database: String? = nil, asSession: Bool, logger: Logger) async throws -> PostgresConnection {
        let tls: PostgresConnection.Configuration.TLS
        switch target.tls {
        case .disabled: tls = .disable
        case .verified: tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        case .unverified: tls = .require(try NIOSSLContext(configuration: Self.unverifiedTLS))
        }
        var configuration = PostgresConnection.Configuration(
            host: target.host, port: target.port, username: target.user, password: target.password,
            database: database ?? target.database, tls: tls)
        configuration.options.connectTimeout = PluginDatabase.connectTimeout
        if asSession { configuration.options.additionalStartupParameters = sessionParameters }
        return try await PostgresConnection.connect(
            on: MultiThreadedEventLoopGroup.singleton.any(), configuration: configuration, id: 0, logger: logger)
    }

    /// Runs `body` on a connection of its own to `database`, closed afterwards.
    func withConnection<R: Sendable>(
        database: String? = nil, asSession: Bool, logger: Logger,
        _ body: (PostgresConnection) async throws -> R
    ) async throws -> R {
        let connection = try await connect(database: database, asSession: asSession, logger: logger)
        do {
            let result = try await body(connection)
            try await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// TLS without certificate verification (`ssl: {rejectUnauthorized: false}`).
    private static var unverifiedTLS: TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = .none
        return configuration
    }

    /// `duration` in whole milliseconds, at least 1 (PostgreSQL's `statement_timeout` unit; 0 would turn it off).
    static func milliseconds(_ duration: Duration) -> Int64 {
        max(1, duration.milliseconds)
    }
}
