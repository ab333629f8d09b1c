import BackendAuth
import Foundation

/// Checks `Authorization: Bearer <token>` against the host's token manager.
package struct ServiceAuthenticator: Sendable {
    /// The message of the `401` when no credentials were sent.
    static let missingCredentialsMessage = "Missing credentials"
    /// The message of the `401` when the header is not a bearer token.
    static let malformedHeaderMessage = "Invalid authorization header; expected 'Bearer <token>'"

    /// The host's token manager.
    let tokenManager: any TokenManager
    /// ``TokenManager/acceptsRequestsWithoutToken``, read once: it is the manager's fixed property, and asking on
    /// every request would cost an existential call per request.
    let acceptsRequestsWithoutToken: Bool
    /// Where refused requests are counted (`backend_auth_failures_total`).
    let metrics: BackendMetrics
    /// The host's plugin tokens: a token whose header says `typ: vnd.backstage.plugin` is verified there (caller
    /// `plugin:<sub>`, `backend.auth.pluginAccess`); `nil` when auth is off.
    let pluginTokens: PluginTokenAuthority?

    package init(
        tokenManager: any TokenManager, metrics: BackendMetrics = .disabled, pluginTokens: PluginTokenAuthority? = nil
    ) {
        self.tokenManager = tokenManager
        self.acceptsRequestsWithoutToken = tokenManager.acceptsRequestsWithoutToken
        self.metrics = metrics
        self.pluginTokens = pluginTokens
    }

    /// The caller a bearer token identifies for plugin `pluginId`: a plugin token goes to the plugin token verifier
    /// and `backend.auth.pluginAccess` (its refused caller is left in `record`, and counted as `restricted` when
    /// `countsRefusal`: the guard of a protected route answers that 403), any other token to the manager.
    @inline(__always)
    func principal(
        of token: String, pluginId: String, record: RequestCallerRecord?, countsRefusal: Bool = false
    ) async throws -> ServicePrincipal {
        guard let pluginTokens, PluginTokenVerifier.isPluginToken(token) else {
            return try await tokenManager.authenticate(token)
        }
        let verified = try await pluginTokens.verifier.verify(token, audience: pluginId)
        guard pluginTokens.access.allows(caller: verified.pluginId, pluginId: pluginId) else {
            record?.subject = verified.principal.subject
            if countsRefusal {
                metrics.recordCaller(pluginId: pluginId, subject: verified.principal.subject, outcome: .restricted)
            }
            throw NotAllowedError(PluginAccessSettings.deniedMessage(pluginId: pluginId, caller: verified.pluginId))
        }
        return verified.principal
    }

    /// The one guard of every plugin route, for routes and mounted collections alike: the caller of a request to a
    /// route with `access` of plugin `pluginId`, or an `AuthenticationError` (401) or `NotAllowedError` (403) for a
    /// protected route. The subject of a verified caller goes to `record` for the request log line.
    func caller(
        of request: Request, access: RouteAccess, pluginId: String, record: RequestCallerRecord?
    ) async throws -> Caller {
        let caller =
            switch access {
            case .protected: try await authenticate(request, pluginId: pluginId, record: record)
            case .public: await identify(request, pluginId: pluginId)
            }
        if let record, let subject = caller.subject { record.subject = subject }
        return caller
    }

    /// The caller of a protected route of plugin `pluginId`, or an `AuthenticationError`; a token whose
    /// externalAccess entry is restricted to other plugins is a `NotAllowedError` (Backstage's message), logged
    /// with its subject.
    ///
    /// Without a bearer token the request passes only when the manager accepts requests without a token (the noop
    /// manager does); otherwise it fails with `Missing credentials` (or a malformed-header message).
    @inline(__always)
    func authenticate(_ request: Request, pluginId: String, record: RequestCallerRecord? = nil) async throws -> Caller {
        do {
            switch Self.credentials(in: request.headers) {
            case .bearer(let token):
                let principal = try await principal(
                    of: token, pluginId: pluginId, record: record, countsRefusal: true)
                if let restrictions = principal.accessRestrictions, !restrictions.allows(pluginId: pluginId) {
                    record?.subject = principal.subject
                    metrics.recordCaller(pluginId: pluginId, subject: principal.subject, outcome: .restricted)
                    throw NotAllowedError(restrictions.deniedMessage)
                }
                // The noop manager's principal verified nothing: not a caller to count.
                if metrics.isEnabled, principal != .unauthenticated {
                    metrics.recordCaller(pluginId: pluginId, subject: principal.subject, outcome: .allowed)
                }
                return .service(principal)
            case .missing:
                guard acceptsRequestsWithoutToken else {
                    throw AuthenticationError(Self.missingCredentialsMessage, kind: .missing)
                }
                return .service(.unauthenticated)
            case .malformed:
                guard acceptsRequestsWithoutToken else {
                    throw AuthenticationError(Self.malformedHeaderMessage, kind: .malformed)
                }
                return .service(.unauthenticated)
            }
        } catch {
            metrics.recordAuthFailure(pluginId: pluginId, reason: Self.reason(of: error))
            throw error
        }
    }

    /// The `reason` label of a refusal.
    static func reason(of error: any Error) -> BackendMetrics.AuthFailureReason {
        switch error {
        case let error as AuthenticationError: .refused(error.kind)
        case is NotAllowedError: .restricted
        default: .refused(.other)
        }
    }

    /// The caller of a public route of plugin `pluginId`: `.service` when a valid bearer token that may reach the
    /// plugin was presented, else `.anonymous`.
    @inline(__always)
    func identify(_ request: Request, pluginId: String) async -> Caller {
        guard case .bearer(let token) = Self.credentials(in: request.headers) else { return .anonymous }
        do {
            let principal = try await principal(of: token, pluginId: pluginId, record: nil)
            return principal.mayAccess(pluginId: pluginId) ? .service(principal) : .anonymous
        } catch {
            return .anonymous
        }
    }

    /// What the `Authorization` header holds.
    typealias Credentials = BearerCredentials

    /// Parses the `Authorization` header (``BearerCredentials/parse(_:)``); repeated fields are joined with `, ` as
    /// `HTTPFields` joins them, so a request with two is malformed.
    static func credentials(in headers: HTTPFields) -> Credentials {
        // A scan instead of `headers[.authorization]`: that subscript joins the fields through a lazy sequence in
        // unspecialized generic code, which cost several runtime metadata lookups on every request in the
        // benchmark's profile (BENCHMARKS.md, section 4). A request almost always has one field.
        var value: String?
        for field in headers where field.name == .authorization {
            value = value.map { "\($0), \(field.value)" } ?? field.value
        }
        return BearerCredentials.parse(value)
    }
}
