import Hummingbird
/// Where a plugin adds its routes and background work during ``BackendPlugin/register(_:_:)``.
///
/// Paths are relative to the plugin's mount point `/api/<id>` and use Hummingbird's syntax
/// (`/entities/:name`, read percent-decoded with `try context.pathParameter("name")`). Every route requires a valid
/// server token unless added with `access: .public`. Handlers return anything Hummingbird can turn into
/// a response (`String`, `Response`, a `ResponseEncodable` type encoded as JSON, …) and throw
/// ``BackendError``s (``NotFoundError`` …) for error responses.
///
/// The object is only valid during registration; routes added later are ignored.
public final class PluginRoutes {
    /// The id of the plugin the routes belong to.
    public let pluginId: String
    /// The routes, mounted by the host at `/api/<pluginId>`.
    package let collection: RouteCollection<BackendRequestContext>
    /// The host's service auth check.
    let authenticator: ServiceAuthenticator
    /// The plugin's logger (for background work).
    let logger: Logger
    /// Background work, in registration order.
    package var backgroundServices: [BackgroundService] = []

    package init(pluginId: String, authenticator: ServiceAuthenticator, logger: Logger) {
        self.pluginId = pluginId
        self.collection = RouteCollection(context: BackendRequestContext.self)
        self.authenticator = authenticator
        self.logger = logger
    }

    /// Adds a route for `method` at `path`.
    ///
    /// - Parameters:
    ///   - path: The path relative to the plugin mount, for example `/entities/:name`.
    ///   - method: The HTTP method.
    ///   - access: `.protected` (the default) requires a valid server token; `.public` does not.
    ///   - handler: Produces the response; thrown errors become Backstage's JSON error body.
    @discardableResult
    public func on<Output: ResponseGenerator>(
        _ path: RouterPath,
        method: HTTPRequest.Method,
        access: RouteAccess = .protected,
        use handler: @escaping @Sendable (Request, BackendRequestContext) async throws -> Output
    ) -> Self {
        _ = collection.on(
            path, method: method,
            responder: AuthenticatingResponder(
                access: access, pluginId: pluginId, authenticator: authenticator, handler: handler))
        return self
    }

    /// Adds a `GET` route; see ``on(_:method:access:use:)``.
    @discardableResult
    public func get<Output: ResponseGenerator>(
        _ path: RouterPath = "",
        access: RouteAccess = .protected,
        use handler: @escaping @Sendable (Request, BackendRequestContext) async throws -> Output
    ) -> Self {
        on(path, method: .get, access: access, use: handler)
    }

    /// Adds a `POST` route; see ``on(_:method:access:use:)``.
    @discardableResult
    public func post<Output: ResponseGenerator>(
        _ path: RouterPath = "",
        access: RouteAccess = .protected,
        use handler: @escaping @Sendable (Request, BackendRequestContext) async throws -> Output
    ) -> Self {
        on(path, method: .post, access: access, use: handler)
    }

    /// Adds a `PUT` route; see ``on(_:method:access:use:)``.
    @discardableResult
    public func put<Output: ResponseGenerator>(
        _ path: RouterPath = "",
        access: RouteAccess = .protected,
        use handler: @escaping @Sendable (Request, BackendRequestContext) async throws -> Output
    ) -> Self {
        on(path, method: .put, access: access, use: handler)
    }

    /// Adds a `PATCH` route; see ``on(_:method:access:use:)``.
    @discardableResult
    public func patch<Output: ResponseGenerator>(
        _ path: RouterPath = "",
        access: RouteAccess = .protected,
        use handler: @escaping @Sendable (Request, BackendRequestContext) async throws -> Output
    ) -> Self {
        on(path, method: .patch, access: access, use: handler)
    }

    /// Adds a `DELETE` route; see ``on(_:method:access:use:)``.
    @discardableResult
    public func delete<Output: ResponseGenerator>(
        _ path: RouterPath = "",
        access: RouteAccess = .protected,
        use handler: @escaping @Sendable (Request, BackendRequestContext) async throws -> Output
    ) -> Self {
        on(path, method: .delete, access: access, use: handler)
    }

    /// Mounts a Hummingbird `RouteCollection` (with its own middleware, if any) at `path`.
    ///
    /// The service auth check runs before the collection's middleware, with `access` for every route.
    @discardableResult
    public func addRoutes(
        _ routes: RouteCollection<BackendRequestContext>,
        atPath path: RouterPath = "",
        access: RouteAccess = .protected
    ) -> Self {
        collection.group()
            .add(middleware: ServiceAuthMiddleware(access: access, pluginId: pluginId, authenticator: authenticator))
            .addRoutes(routes, atPath: path)
        return self
    }
}
