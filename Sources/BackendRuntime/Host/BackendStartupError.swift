import BackendKit
/// The backend could not start; nothing is listening. `description` is the reason alone, to be printed as
/// `Backend failed to start up: <reason>` (``BackendHost/runMain(plugins:)`` does this).
public struct BackendStartupError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Why startup failed, for example `You must configure at least one key in backend.auth.keys for production.`
    public let reason: String

    /// Creates an error with its reason.
    public init(_ reason: String) {
        self.reason = reason
    }

    /// The reason.
    public var description: String { reason }
}
