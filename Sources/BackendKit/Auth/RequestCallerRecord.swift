import Foundation

/// Where the route guard leaves the subject of a request's caller for the request log line.
///
/// `RequestHandlingMiddleware` is outermost and the guard runs inside the plugin's mount; contexts are passed down
/// by value, so the guard cannot hand anything back up through the context itself. The middleware puts one record
/// per request into ``BackendRequestContext/callerRecord`` before calling on; every copy further down shares it.
/// The guard writes the subject (never the token) before the handler runs; the middleware reads it once the
/// response or error is back.
///
/// `@unchecked Sendable` is sound: `value` is only read or written while `storage` is held.
final class RequestCallerRecord: @unchecked Sendable {
    private let storage = NSLock()
    private var value: String?

    init() {}

    /// The subject of the verified caller, if any.
    var subject: String? {
        get { storage.withLock { value } }
        set { storage.withLock { value = newValue } }
    }
}
