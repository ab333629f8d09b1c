/// The Hummingbird request context of every backend route.
///
/// Besides Hummingbird's core context (`parameters`, `logger`, request decoding and response encoding
/// as JSON) it carries the ``Caller`` established by the service auth check.
public struct BackendRequestContext: RequestContext {
    /// Hummingbird's core context storage.
    public var coreContext: CoreRequestContextStorage
    /// Who made the request; set before the handler runs.
    public var caller: Caller

    /// Creates a context for a new request (called by Hummingbird).
    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.caller = .anonymous
    }
}
