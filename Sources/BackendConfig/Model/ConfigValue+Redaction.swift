import BackendJSON

extension JSONValue {
    /// The text that replaces secret values in `redactingSecrets()`.
    public static let redactedPlaceholder = "<secret>"

    /// True when a value stored under `key` is treated as a secret: `secret`, `password` or `token`
    /// (any letter case), or a name ending in `Secret`, `Token` or `Password` (such as `clientSecret`).
    public static func isSecretKey(_ key: String) -> Bool {
        switch key.lowercased() {
        case "secret", "password", "token": return true
        default: return key.hasSuffix("Secret") || key.hasSuffix("Token") || key.hasSuffix("Password")
        }
    }

    /// A copy where every value under a secret key (see `isSecretKey`) is replaced by `"<secret>"`,
    /// whatever its type, at any depth (including inside arrays).
    public func redactingSecrets() -> JSONValue {
        switch self {
        case .array(let items):
            return .array(items.map { $0.redactingSecrets() })
        case .object(let entries):
            return .object(
                JSONObject(
                    entries.map { key, value in
                        (key, Self.isSecretKey(key) ? .string(Self.redactedPlaceholder) : value.redactingSecrets())
                    }))
        default:
            return self
        }
    }
}
