/// An error that renders as Backstage's JSON error body with its own name, message and status.
///
/// Throw one of the built-in errors (``InputError`` 400, `AuthenticationError` 401, ``NotAllowedError`` 403,
/// ``NotFoundError`` 404, ``ConflictError`` 409, ``TooManyRequestsError`` 429, ``BadGatewayError`` 502,
/// ``ServiceUnavailableError`` 503) from a route handler, or
/// conform your own type. The message is sent to the caller as-is, so it must not contain secrets. Any error
/// that does not conform becomes a `500` with the generic message `Internal server error`; its details only
/// go to the log.
///
/// ```swift
/// guard let entity = store.entity(named: name) else {
///     throw NotFoundError("No entity named '\(name)'")
/// }
/// ```
public protocol BackendError: Error, Sendable {
    /// The error's name in the JSON body, for example `NotFoundError`.
    var name: String { get }
    /// The human-readable message sent to the caller.
    var message: String { get }
    /// The HTTP status of the error response.
    var status: HTTPResponse.Status { get }
    /// Headers the error response carries besides `Content-Type`, such as `Retry-After`; none by default.
    var responseHeaders: HTTPFields { get }
}

extension BackendError {
    /// No headers of the error's own.
    public var responseHeaders: HTTPFields { [:] }
}

/// One of Backstage's named errors: a fixed name and status, and a message chosen where it is thrown.
///
/// The built-in errors conform; the host also uses ``errorName`` to recognise these errors when another
/// plugin answers with one.
public protocol StandardBackendError: BackendError, Equatable, CustomStringConvertible {
    /// The name in the JSON body, such as `InputError`.
    static var errorName: String { get }
    /// The HTTP status, such as `400`.
    static var errorStatus: HTTPResponse.Status { get }
    /// Creates the error with the message sent to the caller.
    init(_ message: String)
}

extension StandardBackendError {
    /// ``errorName``.
    public var name: String { Self.errorName }

    /// ``errorStatus``.
    public var status: HTTPResponse.Status { Self.errorStatus }

    /// `<name>: <message>`.
    public var description: String { "\(name): \(message)" }
}

/// The request is malformed or invalid: a bad parameter or body (`400`).
public struct InputError: StandardBackendError {
    /// `InputError`.
    public static let errorName = "InputError"
    /// `400 Bad Request`.
    public static let errorStatus = HTTPResponse.Status.badRequest
    /// The message sent to the caller.
    public let message: String

    /// Creates the error with the message sent to the caller.
    public init(_ message: String) { self.message = message }
}

/// The caller is authenticated but may not perform the operation (`403`).
public struct NotAllowedError: StandardBackendError {
    /// `NotAllowedError`.
    public static let errorName = "NotAllowedError"
    /// `403 Forbidden`.
    public static let errorStatus = HTTPResponse.Status.forbidden
    /// The message sent to the caller.
    public let message: String

    /// Creates the error with the message sent to the caller.
    public init(_ message: String) { self.message = message }
}

/// The requested resource does not exist (`404`).
public struct NotFoundError: StandardBackendError {
    /// `NotFoundError`.
    public static let errorName = "NotFoundError"
    /// `404 Not Found`.
    public static let errorStatus = HTTPResponse.Status.notFound
    /// The message sent to the caller.
    public let message: String

    /// Creates the error with the message sent to the caller.
    public init(_ message: String) { self.message = message }
}

/// The request conflicts with the current state, such as a duplicate (`409`).
public struct ConflictError: StandardBackendError {
    /// `ConflictError`.
    public static let errorName = "ConflictError"
    /// `409 Conflict`.
    public static let errorStatus = HTTPResponse.Status.conflict
    /// The message sent to the caller.
    public let message: String

    /// Creates the error with the message sent to the caller.
    public init(_ message: String) { self.message = message }
}

/// Something this plugin depends on (another plugin, a database) cannot serve the request now (`503`).
///
/// Name the dependency in the message; the caller may retry later, after ``retryAfterSeconds`` when set.
public struct ServiceUnavailableError: StandardBackendError {
    /// `ServiceUnavailableError`.
    public static let errorName = "ServiceUnavailableError"
    /// `503 Service Unavailable`.
    public static let errorStatus = HTTPResponse.Status.serviceUnavailable
    /// The message sent to the caller.
    public let message: String
    /// Sent as `Retry-After` (seconds) when set.
    public let retryAfterSeconds: Int?

    /// Creates the error with the message sent to the caller.
    public init(_ message: String) { self.init(message, retryAfterSeconds: nil) }

    /// Creates the error with the message sent to the caller and a `Retry-After` of `retryAfterSeconds`.
    public init(_ message: String, retryAfterSeconds: Int?) {
        self.message = message
        self.retryAfterSeconds = retryAfterSeconds
    }

    /// `Retry-After` when ``retryAfterSeconds`` is set.
    public var responseHeaders: HTTPFields { retryAfterHeaders(retryAfterSeconds) }
}

/// The caller has used up a limit of its own, such as how much unfinished work it may have queued (`429`).
///
/// Name the limit (and where an operator may raise it) in the message; the caller may retry after
/// ``retryAfterSeconds`` when set.
public struct TooManyRequestsError: StandardBackendError {
    /// `TooManyRequestsError`.
    public static let errorName = "TooManyRequestsError"
    /// `429 Too Many Requests`.
    public static let errorStatus = HTTPResponse.Status.tooManyRequests
    /// The message sent to the caller.
    public let message: String
    /// Sent as `Retry-After` (seconds) when set.
    public let retryAfterSeconds: Int?

    /// Creates the error with the message sent to the caller.
    public init(_ message: String) { self.init(message, retryAfterSeconds: nil) }

    /// Creates the error with the message sent to the caller and a `Retry-After` of `retryAfterSeconds`.
    public init(_ message: String, retryAfterSeconds: Int?) {
        self.message = message
        self.retryAfterSeconds = retryAfterSeconds
    }

    /// `Retry-After` when ``retryAfterSeconds`` is set.
    public var responseHeaders: HTTPFields { retryAfterHeaders(retryAfterSeconds) }
}

/// `Retry-After: <seconds>`, or no header for nil.
private func retryAfterHeaders(_ seconds: Int?) -> HTTPFields {
    guard let seconds else { return [:] }
    return [.retryAfter: String(seconds)]
}

/// Another service this plugin called answered in a way the plugin cannot pass on: it refused this backend's
/// credentials, failed itself, or sent a response that could not be read (`502`).
///
/// Name the service and the status it answered in the message, never the remote reason for an auth failure: the
/// caller's own credentials were fine. ``ServiceCallError`` becomes one of these when thrown out of a handler.
public struct BadGatewayError: StandardBackendError {
    /// `BadGatewayError`.
    public static let errorName = "BadGatewayError"
    /// `502 Bad Gateway`.
    public static let errorStatus = HTTPResponse.Status.badGateway
    /// The message sent to the caller.
    public let message: String

    /// Creates the error with the message sent to the caller.
    public init(_ message: String) { self.message = message }
}

extension AuthenticationError: BackendError {
    /// `AuthenticationError`.
    public var name: String { "AuthenticationError" }

    /// `401 Unauthorized`.
    public var status: HTTPResponse.Status { .unauthorized }
}

/// Every standard error type, for recognising their names in other plugins' error bodies.
let standardErrorTypes: [any StandardBackendError.Type] = [
    InputError.self, NotAllowedError.self, NotFoundError.self, ConflictError.self, BadGatewayError.self,
    ServiceUnavailableError.self, TooManyRequestsError.self,
]
