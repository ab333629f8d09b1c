/// The `ConflictError` of Backstage's error model: the request conflicts with the current state, such as a duplicate (`409`).
public struct ConflictError: BackendError, Equatable, CustomStringConvertible {
    /// The message sent to the caller.
    public let message: String

    /// Creates the error with the message sent to the caller.
    public init(_ message: String) {
        self.message = message
    }

    /// Always `ConflictError`.
    public var name: String { "ConflictError" }

    /// Always `409`.
    public var status: HTTPResponse.Status { .conflict }

    /// `ConflictError: <message>`.
    public var description: String { "\(name): \(message)" }
}
