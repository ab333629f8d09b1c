/// Tags errors thrown by a plugin's routes with the URL relative to the plugin mount.
struct PluginScopeMiddleware: RouterMiddleware {
    typealias Context = BackendRequestContext

    /// The mount path, for example `/api/catalog`.
    let mountPath: String

    func handle(
        _ request: Request,
        context: BackendRequestContext,
        next: (Request, BackendRequestContext) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            throw PluginScopedError(underlying: error, relativeURL: relativeURL(of: request))
        }
    }

    /// The request path below the mount (at least `/`), plus the query string if any.
    func relativeURL(of request: Request) -> String {
        var path = Substring(request.uri.path)
        if path.hasPrefix(mountPath) {
            path = path.dropFirst(mountPath.count)
        }
        let relative = path.isEmpty ? "/" : String(path)
        guard let query = request.uri.query, !query.isEmpty else { return relative }
        return "\(relative)?\(query)"
    }
}

/// An error thrown inside a plugin's routes, tagged with the URL relative to the plugin mount
/// (Backstage's `req.url` inside a plugin router) for the error body.
struct PluginScopedError: Error {
    /// The original error.
    let underlying: any Error
    /// The request URL relative to the plugin mount, query included.
    let relativeURL: String
}
