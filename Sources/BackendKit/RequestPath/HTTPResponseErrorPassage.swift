import Hummingbird

/// Carries a Hummingbird `HTTPResponseError` (an `HTTPError`, a request-decoding failure) from a plugin route past
/// the router to ``RequestHandling``.
///
/// Hummingbird's `RouterResponder` answers an `HTTPResponseError` itself, with its own body, and the host answers
/// every error with Backstage's error body; so the guard passes such errors on in this wrapper, which the router
/// does not recognise, and the request handling takes them out again. Other errors pass unwrapped.
struct HTTPResponseErrorPassage: Error {
    /// The error the route threw.
    let underlying: any Error

    init(_ underlying: any Error) {
        self.underlying = underlying
    }
}
