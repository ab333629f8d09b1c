/// An action's failure, with a readable reason for the task log.
struct ActionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The reason.
    let message: String

    /// Wraps a reason.
    init(_ message: String) {
        self.message = message
    }

    /// The reason.
    var description: String { message }
}
