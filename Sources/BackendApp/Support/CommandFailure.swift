/// A failure a command reports to the user: the message goes to standard error, the process exits with `exitCode`.
struct CommandFailure: Error, CustomStringConvertible {
    /// What went wrong, phrased so the user can act on it. Never contains a secret or a token.
    let message: String
    /// 1 for a reported failure, 2 for bad usage.
    let exitCode: Int32

    init(_ message: String, exitCode: Int32 = 1) {
        self.message = message
        self.exitCode = exitCode
    }

    /// Bad usage that the argument parser cannot express (for example mutually exclusive options).
    static func usage(_ message: String) -> CommandFailure {
        CommandFailure("Error: \(message)", exitCode: 2)
    }

    var description: String { message }
}
