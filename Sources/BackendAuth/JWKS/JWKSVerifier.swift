import BackendJSON

/// Verifies the tokens of one `jwks` externalAccess entry: compact JWS signed with one of the entry's algorithms by
/// a key of its key set, then the claims (`sub` required, `exp` and `nbf` when present, `iss` and `aud` when the
/// entry names them). The caller is `external:[<subjectPrefix>:]<sub>`, with the entry's restrictions.
///
/// Messages follow `jose`, which Backstage uses: `Invalid token; caused by unexpected "aud" claim value`.
struct JWKSVerifier: Sendable {
    /// The entry's settings.
    let options: JWKSOptions
    /// Its key set.
    let cache: JWKSKeyCache
    /// The time source for `exp`, `nbf` and refetches.
    let clock: any WallClock

    /// Tokens longer than this many bytes are refused before any decoding.
    static let maximumTokenBytes = 16384

    /// The parts of a compact JWS whose header names an asymmetric algorithm.
    struct Parsed {
        /// The `alg` header.
        let algorithm: JWKSAlgorithm
        /// The `kid` header.
        let keyId: String?
        /// `header.payload` as sent.
        let signingInput: [UInt8]
        /// The decoded signature.
        let signature: [UInt8]
        /// The decoded payload.
        let payload: [UInt8]
    }

    static func failure(_ reason: String, kind: AuthenticationError.Kind) -> AuthenticationError {
        AuthenticationError("Invalid token; caused by \(reason)", kind: kind)
    }

    /// The token's parts when its header names `RS256`, `ES256` or `PS256` (the tokens a jwks entry is for); `nil`
    /// for anything else, which the server token verifier judges.
    static func parse(_ token: String) -> Parsed? {
        guard token.utf8.count <= maximumTokenBytes else { return nil }
        let segments = token.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard segments.count == 3,
            let headerBytes = try? Base64URL.decode(String(decoding: segments[0], as: UTF8.self)),
            let header = try? StrictJSONParser.parse(headerBytes, maximumValues: 64),
            case .string(let name)? = header[member: "alg"], let algorithm = JWKSAlgorithm(rawValue: name),
            let payload = try? Base64URL.decode(String(decoding: segments[1], as: UTF8.self)),
            let signature = try? Base64URL.decode(String(decoding: segments[2], as: UTF8.self))
        else { return nil }
        var keyId: String?
        if case .string(let kid)? = header[member: "kid"] { keyId = kid }
        if header[member: "crit"] != nil { return nil }
        let signingInput = Array(token.utf8.prefix(segments[0].count + 1 + segments[1].count))
        return Parsed(
            algorithm: algorithm, keyId: keyId, signingInput: signingInput, signature: signature, payload: payload)
    }

    /// Whether this entry takes tokens signed with `algorithm`.
    func accepts(_ algorithm: JWKSAlgorithm) -> Bool {
        options.algorithms.contains(algorithm)
    }

    /// What the key set makes of a token's signature.
    enum SignatureCheck: Equatable {
        /// A key of the set made it.
        case matched
        /// The set has no key for the token's `kid` and algorithm.
        case noKey
        /// Keys fit, but none made it.
        case mismatch
    }

    /// Whether a key of the set made the signature.
    func checkSignature(_ token: Parsed) async -> SignatureCheck {
        let keys = await cache.keys(for: token.keyId).filter { $0.fits(token.algorithm) }
        guard !keys.isEmpty else { return .noKey }
        let matched = token.signingInput.withUnsafeBytes { message in
            keys.contains { $0.verifies(token.signature, of: message, with: token.algorithm) }
        }
        return matched ? .matched : .mismatch
    }

    /// The caller of a token whose signature matched, or the claim that failed.
    func principal(of token: Parsed) throws(AuthenticationError) -> ServicePrincipal {
        guard let claims = try? StrictJSONParser.parse(token.payload), case .object = claims else {
            throw Self.failure("the payload is not a JSON object", kind: .malformed)
        }
        let now = clock.now()
        if let exp = claims[member: "exp"] {
            guard case .number(let value) = exp, now < value else {
                throw Self.failure("\"exp\" claim timestamp check failed", kind: .expired)
            }
        }
        if let nbf = claims[member: "nbf"] {
            guard case .number(let value) = nbf, value <= now else {
                throw Self.failure("\"nbf\" claim timestamp check failed", kind: .claims)
            }
        }
        if !options.issuers.isEmpty {
            guard case .string(let issuer)? = claims[member: "iss"], options.issuers.contains(issuer) else {
                throw Self.failure("unexpected \"iss\" claim value", kind: .claims)
            }
        }
        if !options.audiences.isEmpty {
            let audiences: [String]
            switch claims[member: "aud"] {
            case .string(let audience)?: audiences = [audience]
            case .array(let items)?:
                audiences = items.compactMap {
                    guard case .string(let audience) = $0 else { return nil }
                    return audience
                }
            default: audiences = []
            }
            guard audiences.contains(where: options.audiences.contains) else {
                throw Self.failure("unexpected \"aud\" claim value", kind: .claims)
            }
        }
        guard case .string(let subject)? = claims[member: "sub"], !subject.isEmpty else {
            throw Self.failure("missing required \"sub\" claim", kind: .claims)
        }
        let prefix = options.subjectPrefix.map { "\($0):" } ?? ""
        return ServicePrincipal(subject: "external:\(prefix)\(subject)", accessRestrictions: options.restrictions)
    }
}

/// The options of a `jwks` externalAccess entry.
struct JWKSOptions: Sendable {
    /// `options.url`.
    let url: String
    /// `options.algorithm`: one or several; default `RS256`.
    let algorithms: [JWKSAlgorithm]
    /// `options.issuer`: the accepted `iss` values; empty accepts any.
    let issuers: [String]
    /// `options.audience`: the accepted `aud` values; empty accepts any.
    let audiences: [String]
    /// `options.subjectPrefix`.
    let subjectPrefix: String?
    /// The entry's `accessRestrictions`.
    let restrictions: PluginAccessRestrictions?
}
