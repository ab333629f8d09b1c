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
        switch access {
        case .protected:
            context.caller = try await authenticator.authenticate(request)
        case .public:
            context.caller = await authenticator.identify(request)
        }
        return try await next.respond(to: request, context: context)
    }
}
