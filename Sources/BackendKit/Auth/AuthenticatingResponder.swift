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
