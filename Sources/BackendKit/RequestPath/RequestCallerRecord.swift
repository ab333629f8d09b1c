import NIOConcurrencyHelpers

/// Where the route guard leaves the subject of a request's caller for the request log line.
///
/// ``RequestHandling`` is outermost and the guard runs inside the plugin's mount; contexts are passed down
/// by value, so the guard cannot hand anything back up through the context itself. The request handling puts one record
/// per request into ``BackendRequestContext/callerRecord`` before calling on; every copy further down shares its
/// storage. The guard writes the subject (never the token) before the handler runs; the request handling reads it once
/// the response or error is back.
///
/// One allocation per request (the locked box); a class holding an `NSLock` was three.
struct RequestCallerRecord: Sendable {
    private let storage = NIOLockedValueBox<String?>(nil)

    init() {}

    /// The subject of the verified caller, if any.
    var subject: String? {
        get { storage.withLockedValue { $0 } }
        nonmutating set { storage.withLockedValue { $0 = newValue } }
    }
}
