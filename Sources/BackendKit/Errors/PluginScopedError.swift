/// An error thrown inside a plugin's routes, tagged with the URL relative to the plugin mount
/// (Backstage's `req.url` inside a plugin router) for the error body.
///
/// The route guard tags them (``AuthenticatingResponder`` and ``ServiceAuthMiddleware`` wrap every plugin route and
/// mounted collection), so a request passes through no extra middleware for it.
struct PluginScopedError: Error {
    /// The original error.
    let underlying: any Error
    /// The request URL relative to the plugin mount, query included.
    let relativeURL: String

    /// `error` thrown while serving `request` on a route of plugin `pluginId`.
    init(_ error: any Error, request: Request, pluginId: String) {
        self.underlying = error
        self.relativeURL = Self.relativeURL(of: request, mountPath: BackendHost.mountPath(pluginId))
    }

    /// The request path below `mountPath` (at least `/`), plus the query string if any.
    static func relativeURL(of request: Request, mountPath: String) -> String {
        var path = Substring(request.uri.path)
        if path.hasPrefix(mountPath) {
            path = path.dropFirst(mountPath.count)
        }
        let relative = path.isEmpty ? "/" : String(path)
        guard let query = request.uri.query, !query.isEmpty else { return relative }
        return "\(relative)?\(query)"
    }
}
