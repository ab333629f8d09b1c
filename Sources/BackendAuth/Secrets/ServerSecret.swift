/// A decoded shared secret from `backend.auth.keys[].secret` (or `--secret`), ready to build a
/// signing/verifying key. Never prints its bytes.
public struct ServerSecret: Sendable, CustomStringConvertible {
    /// Where the secret came from, e.g. `backend.auth.keys[0].secret`; used in messages.
    public let name: String

    /// The decoded key bytes.
    let bytes: [UInt8]

    /// Problems worth a warning (short key, non-canonical base64). They name the key, never the secret.
    public let warnings: [String]

    /// Number of decoded key bytes.
    public var byteCount: Int { bytes.count }

    /// Keys shorter than this many bytes produce a warning.
    public static let recommendedMinimumBytes = 32

    /// Decodes `text` as Node's `Buffer.from(text, 'base64')` does.
    ///
    /// - Parameters:
    ///   - text: the configured secret: `A–Z a–z 0–9 + / - _`, optionally followed by `=`.
    ///   - name: the config key it came from, used in errors and warnings.
    /// - Throws: ``TokenManagerConfigurationError`` `Invalid secret at '<name>': <reason>` for an empty
    ///   secret, one that decodes to no bytes, or one with any other character.
    public static func decode(_ text: String, name: String) throws(TokenManagerConfigurationError) -> ServerSecret {
        func invalid(_ reason: String) -> TokenManagerConfigurationError {
            TokenManagerConfigurationError("Invalid secret at '\(name)': \(reason)")
        }
        let allowed = "base64 (A-Z a-z 0-9 + / - _ with optional trailing =)"
        guard !text.isEmpty else { throw invalid("the secret is empty") }
        let decoded: NodeBase64.Decoded
        do {
            decoded = try NodeBase64.decode(text)
        } catch {
            switch error {
            case .whitespace:
                throw invalid("contains whitespace; a secret must be \(allowed)")
            case .paddingBeforeEnd:
                throw invalid("contains '=' before the end; a secret must be \(allowed)")
            case .invalidCharacter:
                throw invalid("contains a character that is not allowed; a secret must be \(allowed)")
            }
        }
        guard !decoded.bytes.isEmpty else { throw invalid("decodes to no bytes") }
        var warnings: [String] = []
        if decoded.bytes.count < recommendedMinimumBytes {
            warnings.append(
                "The secret at '\(name)' is only \(decoded.bytes.count) bytes; use at least "
                    + "\(recommendedMinimumBytes) random bytes (generate one with `backend secret`)."
            )
        }
        if !decoded.isCanonical {
            warnings.append(
                "The secret at '\(name)' is not canonical base64; it is decoded as Node's "
                    + "Buffer.from(secret, 'base64') does, giving \(decoded.bytes.count) bytes."
            )
        }
        return ServerSecret(name: name, bytes: decoded.bytes, warnings: warnings)
    }

    /// A secret made of raw bytes (for example freshly generated ones).
    init(name: String, bytes: [UInt8], warnings: [String] = []) {
        self.name = name
        self.bytes = bytes
        self.warnings = warnings
    }

    /// `ServerSecret(<name>, <n> bytes)`; never the bytes themselves.
    public var description: String { "ServerSecret(\(name), \(bytes.count) bytes)" }
}
