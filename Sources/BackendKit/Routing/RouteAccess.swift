/// Whether a route requires a valid server token.
public enum RouteAccess: Sendable, Equatable {
    /// The default: a request needs `Authorization: Bearer <token>` that the host's `TokenManager`
    /// accepts, otherwise it is answered with `401`.
    case protected
    /// Anyone may call the route. A valid token, if presented, still sets the caller to `.service`.
    case `public`
}

/// Who made a request, as established by the service auth check.
public enum Caller: Sendable, Equatable, CustomStringConvertible {
    /// No valid credentials were presented (only possible on public routes).
    case anonymous
    /// Another backend service: a valid server token was presented, or the host runs with the noop
    /// token manager, which accepts every request.
    case service

    /// `anonymous` or `service`.
    public var description: String {
        switch self {
        case .anonymous: "anonymous"
        case .service: "service"
        }
    }
}
