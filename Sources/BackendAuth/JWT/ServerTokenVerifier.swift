import BackendJSON

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Verifies compact HS256 server tokens strictly (RFC 7515, RFC 7519, RFC 8725).
///
/// Strict because a token arrives from any caller before anything is known about it: every check runs in an order
/// that bounds the work an unauthenticated caller can cause (nothing is decoded before the size is checked, no key is
/// tried before the header is known to be HS256, and the claims are parsed only after a MAC matched), and each
/// refusal has its own reason so that a 401 tells the caller what to fix.
///
/// Order: size → structure (three canonical unpadded base64url segments) → header (strict JSON
/// object of at most ``maximumHeaderValues`` values, `alg` exactly `HS256`, no `crit`/`b64`) → signature length → MAC against each key in
/// turn (constant-time; only a MAC mismatch moves on to the next key) → payload (strict JSON
/// object) → claims (`sub`, `aud`, `exp`, `nbf`, `iat`, `jti`, `iss` types, then times).
struct ServerTokenVerifier: Sendable {
    /// Tokens longer than this many bytes are refused before any decoding.
    static let maximumTokenBytes = 8192
    /// The most JSON values (members and elements at any depth) a header may hold. The header is
    /// parsed before any key is tried, so this bounds what an unauthenticated caller can make the
    /// verifier build; real headers have two to five members.
    static let maximumHeaderValues = 64
    /// The most JSON values the claims may hold (parsed only after the MAC matched).
    static let maximumPayloadValues = StrictJSONParser.defaultMaximumValues

    /// The header segment of every server token this package issues (base64url `{"alg":"HS256"}`).
    private static let serverTokenHeader = Array(ServerTokenSigner.encodedHeader.utf8)
    /// The payload of every server token up to the `exp` value.
    private static let serverTokenClaimsPrefix = Array(#"{"sub":"\#(ServerTokenSigner.subject)","exp":"#.utf8)

    // Fast paths. Server tokens from this package, Backstage's legacy `ServerTokenManager` (jose)
    // and PyJWT carry byte-identical headers and payloads of one fixed shape. Recognizing those
    // exact bytes lets the verifier skip JSON parsing (and every allocation) while reaching the
    // same verdict and reason the general path reaches; any other byte takes the general path.

    /// Whether `segment` is exactly the base64url header `{"alg":"HS256"}`, which always passes
    /// the header checks.
    static func isServerTokenHeader(_ segment: UnsafeBufferPointer<UInt8>) -> Bool {
        serverTokenHeader.withUnsafeBufferPointer { expected in
            segment.count == expected.count && memcmp(segment.baseAddress!, expected.baseAddress!, expected.count) == 0
        }
    }

    /// The `exp` of a payload that is exactly `{"sub":"backstage-server","exp":<digits>}` with a
    /// canonical JSON integer of at most 15 digits (exact as a Double); `nil` for anything else.
    static func serverTokenExpiry(_ payload: UnsafeBufferPointer<UInt8>) -> Int? {
        serverTokenClaimsPrefix.withUnsafeBufferPointer { prefix -> Int? in
            let digitCount = payload.count - prefix.count - 1
            guard (1...15).contains(digitCount), payload[payload.count - 1] == UInt8(ascii: "}"),
                memcmp(payload.baseAddress!, prefix.baseAddress!, prefix.count) == 0
            else { return nil }
            let digits = UnsafeBufferPointer(rebasing: payload[prefix.count..<(payload.count - 1)])
            if digitCount > 1, digits[0] == UInt8(ascii: "0") { return nil }  // leading zero: invalid JSON
            var value = 0
            for digit in digits {
                guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "9") else { return nil }
                value = value &* 10 &+ Int(digit &- UInt8(ascii: "0"))
            }
            return value
        }
    }

    /// The verification keys, in configuration order.
    let keys: [HMACSHA256Key]

    /// The claims of a valid token, or an ``AuthenticationError`` with a specific reason.
    func verify(_ token: String, now: Double) throws(AuthenticationError) -> VerifiedServerToken {
        switch check(token, now: now) {
        case .success(let verified): return verified
        case .failure(let rejection):
            throw AuthenticationError(invalidServerTokenReason: rejection.reason, kind: rejection.kind)
        }
    }

    /// Like ``verify(_:now:)`` but returning the bare rejection.
    func check(_ token: String, now: Double) -> Result<VerifiedServerToken, TokenRejection> {
        let length = token.utf8.count
        guard length <= Self.maximumTokenBytes else {
            return .failure(TokenRejection("token is \(length) bytes, more than the \(Self.maximumTokenBytes) allowed"))
        }
        guard length > 0 else { return .failure(TokenRejection("token is empty")) }
        var token = token
        return token.withUTF8 { bytes in
            Result { () throws(TokenRejection) -> VerifiedServerToken in try check(bytes, now: now) }
        }
    }

    private func check(_ bytes: UnsafeBufferPointer<UInt8>, now: Double) throws(TokenRejection) -> VerifiedServerToken {
        if bytes[0] == UInt8(ascii: "{") {
            throw TokenRejection("JWS JSON serialization is not supported; expected compact serialization")
        }
        var dotCount = 0
        var firstDot = 0
        var secondDot = 0
        for index in bytes.indices {
            let byte = bytes[index]
            // Base64url characters are all above '.' (0x2E) and whitespace below: one compare each.
            guard byte <= UInt8(ascii: ".") else { continue }
            switch byte {
            case UInt8(ascii: "."):
                if dotCount == 0 { firstDot = index } else if dotCount == 1 { secondDot = index }
                dotCount += 1
            case 0x20, 0x09, 0x0A, 0x0D, 0x0B, 0x0C:
                throw TokenRejection("token contains whitespace")
            default:
                break
            }
        }
        guard dotCount == 2 else {
            throw TokenRejection("token is not three base64url segments (found \(dotCount + 1))")
        }
        let headerSegment = UnsafeBufferPointer(rebasing: bytes[0..<firstDot])
        let payloadSegment = UnsafeBufferPointer(rebasing: bytes[(firstDot + 1)..<secondDot])
        let signatureSegment = UnsafeBufferPointer(rebasing: bytes[(secondDot + 1)...])
        guard !headerSegment.isEmpty else { throw TokenRejection("header segment is empty") }
        guard !payloadSegment.isEmpty else { throw TokenRejection("payload segment is empty") }
        // The header every server token carries, `{"alg":"HS256"}`, is always valid: skip decoding
        // and parsing it. Any other header takes the general path (same checks, same reasons).
        let header = Self.isServerTokenHeader(headerSegment) ? nil : try decode(headerSegment, part: "header")

        // Payload and signature are decoded into one temporary (stack) buffer: no allocation.
        let payloadCapacity = Base64URL.decodedCapacity(payloadSegment.count)
        let capacity = payloadCapacity + Base64URL.decodedCapacity(signatureSegment.count)
        let outcome = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: capacity) { scratch in
            Result { () throws(TokenRejection) -> VerifiedServerToken in
                let payloadBuffer = UnsafeMutableBufferPointer(rebasing: scratch[0..<payloadCapacity])
                let signatureBuffer = UnsafeMutableBufferPointer(rebasing: scratch[payloadCapacity...])
                let payloadCount = try decode(payloadSegment, into: payloadBuffer, part: "payload")
                let signatureCount = try decode(signatureSegment, into: signatureBuffer, part: "signature")

                if let header {
                    try checkHeader(try parseObject(header, part: "header", maximumValues: Self.maximumHeaderValues))
                }

                guard signatureCount == HMACSHA256Key.macLength else {
                    throw TokenRejection(
                        "signature is \(signatureCount) bytes, expected \(HMACSHA256Key.macLength)", kind: .signature)
                }
                let signingInput = UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[0..<secondDot]))
                let signature = UnsafeRawBufferPointer(
                    UnsafeMutableBufferPointer(rebasing: signatureBuffer[0..<signatureCount]))
                var matchedKey: Int?
                for index in keys.indices where keys[index].isValid(signature: signature, for: signingInput) {
                    matchedKey = index
                    break
                }
                guard let keyIndex = matchedKey else {
                    throw TokenRejection("signature matched no configured key", kind: .signature)
                }

                let payload = UnsafeBufferPointer(rebasing: payloadBuffer[0..<payloadCount])
                if let expiresAt = Self.serverTokenExpiry(payload) {
                    // Exactly `{"sub":"backstage-server","exp":<integer>}`: what the general path
                    // would conclude for this payload, without building a JSON tree.
                    guard Double(expiresAt) > now else {
                        throw TokenRejection("expired at \(ISO8601Timestamp.format(Double(expiresAt)))", kind: .expired)
                    }
                    return VerifiedServerToken(
                        subject: ServerTokenSigner.subject, expiresAt: Double(expiresAt), notBefore: nil,
                        issuedAt: nil, keyIndex: keyIndex)
                }
                let claims = try parseObject(payload, part: "payload", maximumValues: Self.maximumPayloadValues)
                return try checkClaims(claims, now: now, keyIndex: keyIndex)
            }
        }
        return try outcome.get()
    }

    private func decode(_ segment: UnsafeBufferPointer<UInt8>, part: String) throws(TokenRejection) -> [UInt8] {
        do {
            return try Base64URL.decode(segment)
        } catch {
            throw rejection(error, part: part)
        }
    }

    private func decode(
        _ segment: UnsafeBufferPointer<UInt8>, into output: UnsafeMutableBufferPointer<UInt8>, part: String
    ) throws(TokenRejection) -> Int {
        do {
            return try Base64URL.decode(segment, into: output)
        } catch {
            throw rejection(error, part: part)
        }
    }

    private func rejection(_ error: Base64URL.DecodingError, part: String) -> TokenRejection {
        switch error {
        case .padding:
            TokenRejection("\(part) segment has '=' padding")
        case .standardAlphabet:
            TokenRejection("\(part) segment uses the standard base64 alphabet ('+' or '/'), not base64url")
        case .invalidCharacter:
            TokenRejection("\(part) segment contains a character outside the base64url alphabet")
        case .impossibleLength:
            TokenRejection("\(part) segment has an impossible base64url length")
        case .nonZeroUnusedBits:
            TokenRejection("\(part) segment is not canonical base64url (unused bits are set)")
        }
    }

    private func parseObject(
        _ bytes: [UInt8], part: String, maximumValues: Int
    ) throws(TokenRejection) -> StrictJSONValue {
        try bytes.withUnsafeBufferPointer { (buffer) throws(TokenRejection) -> StrictJSONValue in
            try parseObject(buffer, part: part, maximumValues: maximumValues)
        }
    }

    private func parseObject(
        _ bytes: UnsafeBufferPointer<UInt8>, part: String, maximumValues: Int
    ) throws(TokenRejection) -> StrictJSONValue {
        let value: StrictJSONValue
        do {
            value = try StrictJSONParser.parse(bytes, maximumValues: maximumValues)
        } catch {
            switch error {
            case .invalidUTF8:
                throw TokenRejection("\(part) is not valid UTF-8")
            case .tooDeep(let limit):
                throw TokenRejection("\(part) nests deeper than \(limit) levels")
            case .tooManyValues(let limit):
                throw TokenRejection("\(part) has more than \(limit) JSON values")
            case .duplicateMember(let name):
                throw TokenRejection("duplicate member \(ReasonText.quoted(name)) in \(part)")
            case .syntax:
                throw TokenRejection("\(part) is not valid JSON (\(error.detail))")
            }
        }
        guard case .object = value else {
            throw TokenRejection("\(part) is not a JSON object (got \(value.typeName))")
        }
        return value
    }

    private func checkHeader(_ header: StrictJSONValue) throws(TokenRejection) {
        switch header[member: "alg"] {
        case nil:
            throw TokenRejection("header has no \"alg\"")
        case .string(let alg):
            guard alg == "HS256" else { throw TokenRejection("unsupported alg \(ReasonText.quoted(alg))") }
        case .some(let other):
            throw TokenRejection("alg must be a string, got \(other.typeName)")
        }
        if header[member: "crit"] != nil { throw TokenRejection("crit header is not supported") }
        if header[member: "b64"] != nil { throw TokenRejection("b64 header is not supported") }
        switch header[member: "typ"] {
        case nil:
            break
        case .string(let typ):
            let lowered = typ.lowercased()
            guard lowered == "jwt" || lowered == "application/jwt" else {
                throw TokenRejection("unsupported typ \(ReasonText.quoted(typ))")
            }
        case .some(let other):
            throw TokenRejection("typ must be a string, got \(other.typeName)")
        }
    }

    private func checkClaims(
        _ claims: StrictJSONValue, now: Double, keyIndex: Int
    ) throws(TokenRejection) -> VerifiedServerToken {
        switch claims[member: "sub"] {
        case nil:
            throw TokenRejection("sub claim is missing", kind: .claims)
        case .string(ServerTokenSigner.subject):
            break
        case .some:
            throw TokenRejection("sub must be \"\(ServerTokenSigner.subject)\"", kind: .claims)
        }
        if claims[member: "aud"] != nil { throw TokenRejection("aud claim is not allowed", kind: .claims) }
        guard let exp = claims[member: "exp"] else { throw TokenRejection("exp claim is missing", kind: .claims) }
        let expiresAt = try finiteNumber(exp, claim: "exp")
        let notBefore = try claims[member: "nbf"].map { (value) throws(TokenRejection) in
            try finiteNumber(value, claim: "nbf")
        }
        let issuedAt = try claims[member: "iat"].map { (value) throws(TokenRejection) in
            try finiteNumber(value, claim: "iat")
        }
        try checkOptionalString(claims[member: "jti"], claim: "jti")
        try checkOptionalString(claims[member: "iss"], claim: "iss")
        guard expiresAt > now else {
            throw TokenRejection("expired at \(ISO8601Timestamp.format(expiresAt))", kind: .expired)
        }
        if let notBefore, notBefore > now {
            throw TokenRejection(
                "not valid before \(ISO8601Timestamp.format(notBefore)) (nbf is in the future)", kind: .claims)
        }
        return VerifiedServerToken(
            subject: ServerTokenSigner.subject, expiresAt: expiresAt, notBefore: notBefore, issuedAt: issuedAt,
            keyIndex: keyIndex)
    }

    private func checkOptionalString(_ value: StrictJSONValue?, claim: String) throws(TokenRejection) {
        guard let value else { return }
        guard case .string = value else {
            throw TokenRejection("\(claim) must be a string, got \(value.typeName)", kind: .claims)
        }
    }

    private func finiteNumber(_ value: StrictJSONValue, claim: String) throws(TokenRejection) -> Double {
        guard case .number(let number) = value else {
            throw TokenRejection("\(claim) must be a number, got \(value.typeName)", kind: .claims)
        }
        guard number.isFinite else { throw TokenRejection("\(claim) must be a finite number", kind: .claims) }
        return number
    }
}
