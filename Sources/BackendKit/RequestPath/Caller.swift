import BackendAuth

/// Who made a request, as established by the service auth check.
///
/// ```swift
/// routes.post("/tasks") { _, context in
///     let createdBy = context.caller.subject  // "scaffolder", "external:backstage-plugin", or nil
///     …
/// }
/// ```
public enum Caller: Sendable, Equatable, CustomStringConvertible {
    /// No valid credentials were presented (only possible on public routes).
    case anonymous
    /// Another backend service, with the principal its token identifies (the host's token manager accepted it), or
    /// ``ServicePrincipal/unauthenticated`` when the host runs with the noop token manager, which checks nothing.
    case service(ServicePrincipal)

    /// The principal of a service caller; `nil` for an anonymous one.
    public var principal: ServicePrincipal? {
        guard case .service(let principal) = self else { return nil }
        return principal
    }

    /// The subject a verified token identifies (`external:backstage-plugin`, an externalAccess entry's subject);
    /// `nil` for an anonymous caller and when authentication is disabled (the noop manager verified nothing).
    public var subject: String? {
        guard case .service(let principal) = self, principal != .unauthenticated else { return nil }
        return principal.subject
    }

    /// Whether the caller is a service (``service(_:)``).
    public var isService: Bool { principal != nil }

    /// `anonymous` or `service`.
    public var description: String {
        switch self {
        case .anonymous: "anonymous"
        case .service: "service"
        }
    }
}
