/// The `NotAllowedError` of Backstage's error model: the caller is authenticated but may not perform the operation (`403`).
public struct NotAllowedError: BackendError, Equatable, CustomStringConvertible {
    /// The message sent to the caller.
    public let message: String

    /// Creates the error with the message sent to the caller.
    public init(_ message: String) {
        self.message = message
    }

    /// Always `NotAllowedError`.
    public var name: String { "NotAllowedError" }

    /// Always `403`.
    public var status: HTTPResponse.Status { .forbidden }

    /// `NotAllowedError: <message>`.
    public var description: String { "\(name): \(message)" }
}
