import Hummingbird
/// One plugin route: runs the service auth check, sets ``BackendRequestContext/caller``, calls the route's handler
/// and turns its output into a response.
///
/// The guard and the handler share one responder (rather than a guard wrapping Hummingbird's `CallbackResponder`
/// wrapping a closure) because every async layer on the request path costs a frame allocation and an executor
/// check per request (BENCHMARKS.md, section 4).
struct AuthenticatingResponder<Output: ResponseGenerator>: HTTPResponder {
    /// The route's access level.
    let access: RouteAccess
    /// The plugin the route belongs to.
    let pluginId: String
    /// The host's authenticator.
    let authenticator: ServiceAuthenticator
    /// The route's handler.
    let handler: @Sendable (Request, BackendRequestContext) async throws -> Output

    func respond(to request: Request, context: BackendRequestContext) async throws -> Response {
        do {
            var context = context
            context.caller = try await authenticator.caller(
                of: request, access: access, pluginId: pluginId, record: context.callerRecord)
            return try await handler(request, context).response(from: request, context: context)
        } catch let error as any HTTPResponseError {
            throw HTTPResponseErrorPassage(error)
        }
    }
}
