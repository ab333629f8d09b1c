/// Issues and verifies service-to-service tokens (Backstage's `TokenManager`).
///
/// A host asks its manager two things about an incoming request: whether a request without a token is
/// accepted at all (``acceptsRequestsWithoutToken``, true only for the noop manager), and, for a presented
/// bearer token, who the caller is (``authenticate(_:)``).
///
/// ```swift
/// struct FixedTokenManager: TokenManager {
///     func getToken() async throws -> ServerToken { ServerToken(token: "s3cr3t-t0ken") }
///     func authenticate(_ token: String) async throws -> ServicePrincipal {
///         guard token == "s3cr3t-t0ken" else { throw AuthenticationError("Invalid token") }
///         return ServicePrincipal(subject: "fixed")
///     }
/// }
/// ```
public protocol TokenManager: Sendable {
    /// A token the caller can send to another backend plugin. Cheap to call per request: managers
    /// cache the token and re-issue it only when it gets old.
    func getToken() async throws -> ServerToken

    /// The caller a valid `token` identifies, or an ``AuthenticationError`` explaining why it is invalid.
    @discardableResult
    func authenticate(_ token: String) async throws -> ServicePrincipal

    /// Whether requests that carry no token (or a malformed `Authorization` header) are accepted on protected
    /// routes. Only a manager that disables authentication says yes; the default is `false`.
    var acceptsRequestsWithoutToken: Bool { get }
}

extension TokenManager {
    /// `false`: a protected route needs a token this manager accepts.
    public var acceptsRequestsWithoutToken: Bool { false }
}

/// A backend service that proved who it is with a token.
public struct ServicePrincipal: Sendable, Hashable, CustomStringConvertible {
    /// The subject the token was accepted for, such as `external:backstage-plugin` or the `subject` of a
    /// `backend.auth.externalAccess` entry.
    public let subject: String

    /// The plugins this caller may reach, from the `accessRestrictions` of the entry that accepted its token; `nil`
    /// when it may reach every plugin.
    public let accessRestrictions: PluginAccessRestrictions?

    /// A principal with `subject`, restricted to some plugins when `accessRestrictions` is given.
    public init(subject: String, accessRestrictions: PluginAccessRestrictions? = nil) {
        self.subject = subject
        self.accessRestrictions = accessRestrictions
    }

    /// Whether this caller may call the routes of plugin `pluginId`.
    public func mayAccess(pluginId: String) -> Bool {
        accessRestrictions?.allows(pluginId: pluginId) ?? true
    }

    /// The subject of callers whose token one of `backend.auth.keys` verified (Backstage's name for them).
    public static let backstagePlugin = ServicePrincipal(subject: "external:backstage-plugin")

    /// The subject the noop manager gives every caller, since it checks nothing.
    public static let unauthenticated = ServicePrincipal(subject: "unauthenticated")

    /// The subject.
    public var description: String { subject }
}

/// A service-to-service bearer token as issued by a ``TokenManager``.
///
/// The noop manager issues an empty token; callers send an `Authorization: Bearer …` header only
/// when ``token`` is non-empty.
public struct ServerToken: Sendable, Equatable {
    /// The compact JWS text (`header.payload.signature`), or `""` from the noop manager.
    public let token: String

    /// Wraps a token string.
    public init(token: String) {
        self.token = token
    }
}
