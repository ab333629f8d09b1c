/// The `InputError` of Backstage's error model: the request is malformed or invalid (a bad parameter or body) (`400`).
public struct InputError: BackendError, Equatable, CustomStringConvertible {
    /// The message sent to the caller.
    public let message: String

    /// Creates the error with the message sent to the caller.
    public init(_ message: String) {
        self.message = message
    }

    /// Always `InputError`.
    public var name: String { "InputError" }

    /// Always `400`.
    public var status: HTTPResponse.Status { .badRequest }

    /// `InputError: <message>`.
    public var description: String { "\(name): \(message)" }
}
