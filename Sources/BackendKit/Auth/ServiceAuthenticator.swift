import BackendAuth
import Foundation

/// Checks `Authorization: Bearer <token>` against the host's token manager.
struct ServiceAuthenticator: Sendable {
    /// The message of the `401` when no credentials were sent.
    static let missingCredentialsMessage = "Missing credentials"
    /// The message of the `401` when the header is not a bearer token.
    static let malformedHeaderMessage = "Invalid authorization header; expected 'Bearer <token>'"

    /// The host's token manager.
    let tokenManager: any TokenManager
    /// ``TokenManager/acceptsRequestsWithoutToken``, read once: it is the manager's fixed property, and asking on
    /// every request would cost an existential call per request.
    let acceptsRequestsWithoutToken: Bool

    init(tokenManager: any TokenManager) {
        self.tokenManager = tokenManager
        self.acceptsRequestsWithoutToken = tokenManager.acceptsRequestsWithoutToken
    }

    /// The one guard of every plugin route, for routes and mounted collections alike: the caller of a request to a
    /// route with `access`, or an `AuthenticationError` for a protected route.
    func caller(of request: Request, access: RouteAccess) async throws -> Caller {
        switch access {
        case .protected: try await authenticate(request)
        case .public: await identify(request)
        }
    }

    /// The caller of a protected route, or an `AuthenticationError`.
    ///
    /// Without a bearer token the request passes only when the manager accepts requests without a token (the noop
    /// manager does); otherwise it fails with `Missing credentials` (or a malformed-header message).
    func authenticate(_ request: Request) async throws -> Caller {
        switch Self.credentials(in: request.headers) {
        case .bearer(let token):
            try await tokenManager.authenticate(token)
            return .service
        case .missing:
            guard acceptsRequestsWithoutToken else { throw AuthenticationError(Self.missingCredentialsMessage) }
            return .service
        case .malformed:
            guard acceptsRequestsWithoutToken else { throw AuthenticationError(Self.malformedHeaderMessage) }
            return .service
        }
    }

    /// The caller of a public route: `.service` when a valid bearer token was presented, else `.anonymous`.
    func identify(_ request: Request) async -> Caller {
        guard case .bearer(let token) = Self.credentials(in: request.headers) else { return .anonymous }
        do {
            try await tokenManager.authenticate(token)
            return .service
        } catch {
            return .anonymous
        }
    }

    /// What the `Authorization` header holds.
    typealias Credentials = BearerCredentials

    /// Parses the first `Authorization` header (``BearerCredentials/parse(_:)``).
    static func credentials(in headers: HTTPFields) -> Credentials {
        BearerCredentials.parse(headers[.authorization])
    }
}

/// Runs the service auth check for one route, sets ``BackendRequestContext/caller`` and calls the route.
struct AuthenticatingResponder<Next: HTTPResponder>: HTTPResponder where Next.Context == BackendRequestContext {
    /// The route's access level.
    let access: RouteAccess
    /// The host's authenticator.
    let authenticator: ServiceAuthenticator
    /// The route's own responder.
    let next: Next

    func respond(to request: Request, context: BackendRequestContext) async throws -> Response {
        var context = context
        context.caller = try await authenticator.caller(of: request, access: access)
        return try await next.respond(to: request, context: context)
    }
}

/// The service auth check as a middleware, for route collections mounted with
/// ``PluginRoutes/addRoutes(_:atPath:access:)``.
struct ServiceAuthMiddleware: RouterMiddleware {
    typealias Context = BackendRequestContext

    /// The access level of every route behind this middleware.
    let access: RouteAccess
    /// The host's authenticator.
    let authenticator: ServiceAuthenticator

    func handle(
        _ request: Request,
        context: BackendRequestContext,
        next: (Request, BackendRequestContext) async throws -> Response
    ) async throws -> Response {
        var context = context
        context.caller = try await authenticator.caller(of: request, access: access)
        return try await next(request, context)
    }
}
