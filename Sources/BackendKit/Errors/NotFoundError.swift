/// The `NotFoundError` of Backstage's error model: the requested resource does not exist (`404`).
public struct NotFoundError: BackendError, Equatable, CustomStringConvertible {
    /// The message sent to the caller.
    public let message: String

    /// Creates the error with the message sent to the caller.
    public init(_ message: String) {
        self.message = message
    }

    /// Always `NotFoundError`.
    public var name: String { "NotFoundError" }

    /// Always `404`.
    public var status: HTTPResponse.Status { .notFound }

    /// `NotFoundError: <message>`.
    public var description: String { "\(name): \(message)" }
}
