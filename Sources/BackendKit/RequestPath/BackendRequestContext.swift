import Hummingbird

/// The Hummingbird request context of every backend route.
///
/// Besides Hummingbird's core context (`parameters`, `logger`, request decoding and response encoding
/// as JSON) it carries the ``Caller`` established by the service auth check.
public struct BackendRequestContext: RequestContext {
    /// Hummingbird's core context storage.
    public var coreContext: CoreRequestContextStorage
    /// Who made the request; set before the handler runs.
    public var caller: Caller
    /// Where the route guard records the caller's subject for the request log line (set by the host's request
    /// handling when it logs requests).
    var callerRecord: RequestCallerRecord?

    /// Creates a context for a new request (called by Hummingbird).
    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.caller = .anonymous
        self.callerRecord = nil
    }
}

extension BackendRequestContext {
    /// The path parameter `name` of the matched route, percent-decoded.
    ///
    /// Hummingbird hands parameters over as they appear in the path, so `/entities/by-name/component/default/a%20b`
    /// captures `a%20b`; this returns `a b`. A parameter whose escapes are invalid (`%zz`, or bytes that are not
    /// UTF-8) is returned as written, so lookups by it simply find nothing.
    ///
    /// ```swift
    /// routes.get("/entities/by-name/:kind/:namespace/:name") { _, context in
    ///     let name = try context.pathParameter("name")
    ///     …
    /// }
    /// ```
    ///
    /// - Throws: Hummingbird's 400 error when the route has no parameter called `name`.
    public func pathParameter(_ name: String) throws -> String {
        let raw = try parameters.require(name)
        return PercentEncoding.decode(raw) ?? raw
    }
}
