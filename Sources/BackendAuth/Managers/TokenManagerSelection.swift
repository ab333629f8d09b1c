/// The token manager a host should use, chosen by ``selectTokenManager(config:logger:environment:clock:)``.
public struct TokenManagerSelection: Sendable {
    /// Which row of DESIGN.md's table applied.
    public enum Kind: Sendable, Equatable, CustomStringConvertible {
        /// `backend.auth.keys` absent in development: authentication disabled.
        case noop
        /// `backend.auth.keys` with this many secrets.
        case configuredKeys(count: Int)
        /// `backend.auth.keys` empty in development: a random key generated for this process.
        case generatedKey

        /// A short label for startup logs: `noop`, `server (2 keys)`, `server (generated key)`.
        public var description: String {
            switch self {
            case .noop: "noop"
            case .configuredKeys(let count): "server (\(count) \(count == 1 ? "key" : "keys"))"
            case .generatedKey: "server (generated key)"
            }
        }
    }

    /// The manager to use.
    public let manager: any TokenManager
    /// Why this manager was chosen.
    public let kind: Kind

    /// A selection.
    public init(manager: any TokenManager, kind: Kind) {
        self.manager = manager
        self.kind = kind
    }
}
