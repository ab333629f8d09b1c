/// Issues compact HS256 server tokens: header exactly `{"alg":"HS256"}`, payload exactly
/// `{"sub":"backstage-server","exp":<seconds>}` (what Backstage's legacy `ServerTokenManager`
/// and PyJWT with `headers={"typ": None}` produce), all segments unpadded base64url.
struct ServerTokenSigner: Sendable {
    /// The subject every server token carries.
    static let subject = "backstage-server"
    /// Tokens expire this many seconds after issue.
    static let lifetimeSeconds = 3600
    /// base64url of `{"alg":"HS256"}`.
    static let encodedHeader = Base64URL.encode(#"{"alg":"HS256"}"#)

    /// The signing key (the first configured key).
    let key: HMACSHA256Key

    /// A token that expires at `expiresAt` (Unix seconds).
    func sign(expiresAt: Int) -> String {
        let payload = #"{"sub":"\#(Self.subject)","exp":\#(expiresAt)}"#
        let signingInput = Self.encodedHeader + "." + Base64URL.encode(payload)
        let mac = key.authenticationCode(for: signingInput.utf8)
        return signingInput + "." + Base64URL.encode(mac)
    }

    /// A token issued at `now` (Unix seconds): `exp` is `floor(now) + 3600`.
    func sign(issuedAt now: Double) -> String {
        sign(expiresAt: Self.wholeSeconds(now) + Self.lifetimeSeconds)
    }

    /// `floor(seconds)` clamped to a sane range (a broken clock must not trap).
    static func wholeSeconds(_ seconds: Double) -> Int {
        guard seconds.isFinite else { return 0 }
        return Int(min(max(seconds, -1e15), 1e15).rounded(.down))
    }
}
