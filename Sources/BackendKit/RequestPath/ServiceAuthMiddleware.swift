import Hummingbird
/// The service auth check as a middleware, for route collections mounted with
/// ``PluginRoutes/addRoutes(_:atPath:access:)``.
struct ServiceAuthMiddleware: RouterMiddleware {
    typealias Context = BackendRequestContext

    /// The access level of every route behind this middleware.
    let access: RouteAccess
    /// The plugin the routes belong to.
    let pluginId: String
    /// The host's authenticator.
    let authenticator: ServiceAuthenticator

    func handle(
        _ request: Request,
        context: BackendRequestContext,
        next: (Request, BackendRequestContext) async throws -> Response
    ) async throws -> Response {
        do {
            var context = context
            context.caller = try await authenticator.caller(
                of: request, access: access, pluginId: pluginId, record: context.callerRecord)
            return try await next(request, context)
        } catch let error as any HTTPResponseError {
            throw HTTPResponseErrorPassage(error)
        }
    }
}
