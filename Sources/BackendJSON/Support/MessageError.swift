/// An error that is its message and nothing else: the framework's one shape for errors a user reads as they are
/// (`Missing required config value at 'backend.listen'`), each kept as its own type so callers can catch it.
///
/// A conforming type stores `message` and gets `description` (what logs and `Backend failed to start up: …`
/// print) from it:
///
/// ```swift
/// struct ImportError: MessageError {
///     let message: String
///     init(_ message: String) { self.message = message }
/// }
/// throw ImportError("Could not read 'services.yaml': no such file")
/// ```
public protocol MessageError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The user-facing message, complete: no prefix or detail is added to it.
    var message: String { get }

    /// An error with `message`.
    init(_ message: String)
}

extension MessageError {
    /// The message, as it is.
    public var description: String { message }
}
