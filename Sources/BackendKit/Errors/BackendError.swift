/// An error that renders as Backstage's JSON error body with its own name, message and status.
///
/// Throw one of the built-in conformers (``InputError``, `AuthenticationError`, ``NotAllowedError``,
/// ``NotFoundError``, ``ConflictError``) from a route handler, or conform your own error type. The
/// message is sent to the caller as-is, so it must not contain secrets. Any error that does not conform
/// becomes a `500` with the generic message `Internal server error`; its details only go to the log.
public protocol BackendError: Error, Sendable {
    /// The error's name in the JSON body, for example `NotFoundError`.
    var name: String { get }
    /// The human-readable message sent to the caller.
    var message: String { get }
    /// The HTTP status of the error response.
    var status: HTTPResponse.Status { get }
}
