import BackendAuth

/// Whether a route requires a valid server token.
public enum RouteAccess: Sendable, Equatable {
    /// The default: a request needs `Authorization: Bearer <token>` that the host's `TokenManager`
    /// accepts, otherwise it is answered with `401`.
    case protected
    /// Anyone may call the route. A valid token, if presented, still sets the caller to `.service` with its principal.
    case `public`
}
