import BackendJSON
import Foundation

/// Verifies incoming plugin tokens: compact ES256 JWS whose protected header has `typ: vnd.backstage.plugin`.
///
/// Checks, in order: size and structure; the header (`alg` exactly `ES256`, a `kid`, no `crit`); `sub`
/// (`Invalid plugin token: missing subject`; not `^[a-z0-9_-]+$` ignoring case:
/// `Invalid plugin token: forbidden subject format`); `aud` equal to the receiving plugin; `iat` and `exp` present,
/// `exp` in the future and `nbf` (when present) not, with the same clock tolerance as server tokens (none); then the
/// issuer's key from ``PluginKeySetCache`` (`alg` must fit the key's) and the signature. The claims are checked
/// before any key is fetched, so a token for another plugin or an expired one never causes a fetch.
///
/// Every refusal is an ``AuthenticationError`` `Invalid plugin token: <reason>`. A verified token is remembered by
/// its exact text until its `exp` (bounded), so a reused token costs a lookup, not an ECDSA verification.
///
/// ```swift
/// let verifier = PluginTokenVerifier(keySets: cache)
/// let verified = try await verifier.verify(token, audience: "catalog")
/// verified.principal.subject  // "plugin:scaffolder"
/// ```
public final class PluginTokenVerifier: Sendable {
    /// Tokens longer than this many bytes are refused before any decoding.
    public static let maximumTokenBytes = 16384

    /// The issuers' key sets.
    public let keySets: PluginKeySetCache
    private let clock: any WallClock
    private let verified: VerifiedPluginTokenCache
    /// base64url of the header of every server token; such a token is never a plugin token.
    private static let serverTokenHeader = ServerTokenSigner.encodedHeader + "."
    /// base64url of `{"typ":"vnd.backstage.plugin","alg":"ES256","kid":"`, how every plugin token this package (and
    /// Backstage) issues starts: 51 bytes, a whole number of base64 groups, so these 68 characters do not depend on
    /// the `kid` that follows.
    static let issuedHeaderPrefix: [UInt8] = Array(
        Base64URL.encode(#"{"typ":"\#(PluginTokenIssuer.tokenType)","alg":"\#(PluginPublicKey.algorithm)","kid":""#)
            .utf8)

    /// A verifier looking keys up in `keySets`, remembering up to `cacheCapacity` verified tokens.
    public init(
        keySets: PluginKeySetCache, clock: any WallClock = SystemClock(),
        cacheCapacity: Int = 10_000
    ) {
        self.keySets = keySets
        self.clock = clock
        self.verified = VerifiedPluginTokenCache(capacity: cacheCapacity)
    }

    /// Whether `token`'s protected header says `"typ":"vnd.backstage.plugin"`: the one test that sends a token to
    /// this verifier instead of the server token path.
    ///
    /// A token that starts with ``issuedHeaderPrefix`` is one without decoding (a malformed rest is then this
    /// verifier's to refuse): decoding and parsing the header costs 0.76 µs and 7 allocations, more than a reused
    /// token's verified-token cache lookup (BENCHMARKS.md, section 9). Any other layout (PyJWT sorts the members) is
    /// decoded; one that does not decode is not a plugin token.
    public static func isPluginToken(_ token: String) -> Bool {
        if token.hasPrefix(serverTokenHeader) { return false }
        if hasIssuedHeader(token) { return true }
        guard token.utf8.count <= maximumTokenBytes, let end = token.utf8.firstIndex(of: UInt8(ascii: ".")),
            let bytes = try? Base64URL.decode(String(token.utf8[..<end]) ?? ""),
            let header = try? StrictJSONParser.parse(bytes, maximumValues: 64),
            case .string(let type)? = header[member: "typ"]
        else { return false }
        return type == PluginTokenIssuer.tokenType
    }

    /// Whether `token` starts with ``issuedHeaderPrefix`` and goes on after it (a byte comparison, no allocation).
    @inline(__always)
    static func hasIssuedHeader(_ token: String) -> Bool {
        token.utf8.withContiguousStorageIfAvailable { bytes in
            guard bytes.count > issuedHeaderPrefix.count, let start = bytes.baseAddress else { return false }
            return issuedHeaderPrefix.withUnsafeBufferPointer { prefix in
                prefix.baseAddress.map { memcmp(start, $0, prefix.count) == 0 } ?? false
            }
        } ?? false
    }

    /// How many verified tokens are remembered (for tests).
    public var cachedTokenCount: Int { verified.count }

    /// The claims of `token` when it is a valid plugin token for plugin `audience`.
    ///
    /// - Throws: ``AuthenticationError`` `Invalid plugin token: <reason>`.
    public func verify(_ token: String, audience: String) async throws(AuthenticationError) -> VerifiedPluginToken {
        let now = clock.now()
        if let cached = verified.lookup(token, now: now) {
            guard cached.audience == audience else {
                throw Self.failure(
                    "unexpected audience \(ReasonText.quoted(cached.audience)), this is plugin '\(audience)'",
                    kind: .claims)
            }
            return cached
        }
        let parsed = try Self.parse(token)
        let claims = try Self.checkClaims(parsed.claims, audience: audience, now: now)
        let key: PluginPublicKey
        switch await keySets.lookup(issuer: claims.subject, keyId: parsed.keyId) {
        case .found(let found): key = found
        case .unknown(let url):
            throw Self.failure(
                "unknown key \(ReasonText.quoted(parsed.keyId)): the key set of plugin '\(claims.subject)' at \(url) "
                    + "does not list it", kind: .signature)
        case .unreachable(let reason):
            throw Self.failure(reason, kind: .signature)
        }
        if let algorithm = key.algorithm, algorithm != PluginPublicKey.algorithm {
            throw Self.failure(
                "key '\(key.keyId)' is for \(ReasonText.quoted(algorithm)), not ES256", kind: .malformed)
        }
        let valid = parsed.signingInput.withUnsafeBytes { key.key.isValidSignature(parsed.signature, for: $0) }
        guard valid else { throw Self.failure("signature verification failed", kind: .signature) }
        let result = VerifiedPluginToken(
            pluginId: claims.subject, audience: audience, expiresAt: claims.expiresAt, keyId: parsed.keyId)
        verified.insert(token, result, now: now)
        return result
    }

    static func failure(_ reason: String, kind: AuthenticationError.Kind) -> AuthenticationError {
        AuthenticationError("Invalid plugin token: \(reason)", kind: kind)
    }

    /// The parts of a plugin token.
    struct Parsed {
        let keyId: String
        let claims: StrictJSONValue
        let signingInput: [UInt8]
        let signature: [UInt8]
    }

    /// Structure and header: three base64url segments, a JSON header with the plugin `typ`, `alg` `ES256`, a `kid`.
    static func parse(_ token: String) throws(AuthenticationError) -> Parsed {
        let length = token.utf8.count
        guard length <= maximumTokenBytes else {
            throw failure("token is \(length) bytes, more than the \(maximumTokenBytes) allowed", kind: .malformed)
        }
        let segments = token.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard segments.count == 3 else {
            throw failure("expected three dot-separated segments, got \(segments.count)", kind: .malformed)
        }
        func decode(_ index: Int, _ part: String) throws(AuthenticationError) -> [UInt8] {
            guard let bytes = try? Base64URL.decode(String(decoding: segments[index], as: UTF8.self)) else {
                throw failure("the \(part) is not base64url", kind: .malformed)
            }
            return bytes
        }
        func object(
            _ bytes: [UInt8], _ part: String, maximumValues: Int
        ) throws(AuthenticationError)
            -> StrictJSONValue
        {
            guard let value = try? StrictJSONParser.parse(bytes, maximumValues: maximumValues), case .object = value
            else { throw failure("the \(part) is not a JSON object", kind: .malformed) }
            return value
        }
        let header = try object(try decode(0, "header"), "header", maximumValues: 64)
        guard case .string(PluginTokenIssuer.tokenType)? = header[member: "typ"] else {
            throw failure("typ is not \"\(PluginTokenIssuer.tokenType)\"", kind: .malformed)
        }
        switch header[member: "alg"] {
        case .string(PluginPublicKey.algorithm)?: break
        case .string(let other)?:
            throw failure("unsupported alg \(ReasonText.quoted(other)); plugin tokens are ES256", kind: .malformed)
        default:
            throw failure("header has no \"alg\"", kind: .malformed)
        }
        if header[member: "crit"] != nil { throw failure("crit header is not supported", kind: .malformed) }
        guard case .string(let keyId)? = header[member: "kid"], !keyId.isEmpty else {
            throw failure("header has no \"kid\"", kind: .malformed)
        }
        let claims = try object(
            try decode(1, "payload"), "payload", maximumValues: StrictJSONParser.defaultMaximumValues)
        let signature = try decode(2, "signature")
        guard signature.count == 64 else {
            throw failure("signature is \(signature.count) bytes, expected 64", kind: .signature)
        }
        let signingInput = Array(token.utf8.prefix(segments[0].count + 1 + segments[1].count))
        return Parsed(keyId: keyId, claims: claims, signingInput: signingInput, signature: signature)
    }

    /// Backstage's rule for plugin ids in `sub`.
    static func isAllowedSubject(_ subject: String) -> Bool {
        !subject.isEmpty
            && subject.utf8.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"):
                    true
                default: false
                }
            }
    }

    /// `sub`, `aud`, `iat`, `exp` and `nbf` of the unverified claims.
    static func checkClaims(
        _ claims: StrictJSONValue, audience: String, now: Double
    ) throws(AuthenticationError) -> (subject: String, expiresAt: Double) {
        guard case .string(let subject)? = claims[member: "sub"], !subject.isEmpty else {
            throw AuthenticationError("Invalid plugin token: missing subject", kind: .claims)
        }
        guard isAllowedSubject(subject) else {
            throw AuthenticationError("Invalid plugin token: forbidden subject format", kind: .claims)
        }
        switch claims[member: "aud"] {
        case .string(audience)?: break
        case .array(let items)? where items.contains(.string(audience)): break
        case .string(let other)?:
            throw failure(
                "unexpected audience \(ReasonText.quoted(other)), this is plugin '\(audience)'", kind: .claims)
        case nil: throw failure("missing \"aud\" claim", kind: .claims)
        default: throw failure("unexpected audience, this is plugin '\(audience)'", kind: .claims)
        }
        guard case .number(let issuedAt)? = claims[member: "iat"], issuedAt.isFinite else {
            throw failure("missing \"iat\" claim", kind: .claims)
        }
        guard case .number(let expiresAt)? = claims[member: "exp"], expiresAt.isFinite else {
            throw failure("missing \"exp\" claim", kind: .claims)
        }
        guard expiresAt > now else {
            throw failure("expired at \(ISO8601Timestamp.format(expiresAt))", kind: .expired)
        }
        if let nbf = claims[member: "nbf"] {
            guard case .number(let notBefore) = nbf, notBefore <= now else {
                throw failure("not valid yet (nbf is in the future)", kind: .claims)
            }
        }
        return (subject, expiresAt)
    }
}
