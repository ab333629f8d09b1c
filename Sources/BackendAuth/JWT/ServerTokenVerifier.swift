/// Verifies compact HS256 server tokens strictly (RFC 7515, RFC 7519, RFC 8725; DESIGN.md).
///
/// Order: size → structure (three canonical unpadded base64url segments) → header (strict JSON
/// object, `alg` exactly `HS256`, no `crit`/`b64`) → signature length → MAC against each key in
/// turn (constant-time; only a MAC mismatch moves on to the next key) → payload (strict JSON
/// object) → claims (`sub`, `aud`, `exp`, `nbf`, `iat`, `jti`, `iss` types, then times).
struct ServerTokenVerifier: Sendable {
    /// Tokens longer than this many bytes are refused before any decoding.
    static let maximumTokenBytes = 8192

    /// The verification keys, in configuration order.
    let keys: [HMACSHA256Key]

    /// The claims of a valid token, or an ``AuthenticationError`` with a specific reason.
    func verify(_ token: String, now: Double) throws(AuthenticationError) -> VerifiedServerToken {
        switch check(token, now: now) {
        case .success(let verified): return verified
        case .failure(let rejection): throw AuthenticationError(invalidServerTokenReason: rejection.reason)
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
            switch bytes[index] {
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
        let header = try decode(headerSegment, part: "header")
        let payload = try decode(payloadSegment, part: "payload")
        let signature = try decode(signatureSegment, part: "signature")

        try checkHeader(try parseObject(header, part: "header"))

        guard signature.count == HMACSHA256Key.macLength else {
            throw TokenRejection("signature is \(signature.count) bytes, expected \(HMACSHA256Key.macLength)")
        }
        let signingInput = UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[0..<secondDot]))
        let matchedKey = signature.withUnsafeBytes { signatureBytes -> Int? in
            for (index, key) in keys.enumerated() where key.isValid(signature: signatureBytes, for: signingInput) {
                return index
            }
            return nil
        }
        guard let keyIndex = matchedKey else { throw TokenRejection("signature matched no configured key") }

        return try checkClaims(try parseObject(payload, part: "payload"), now: now, keyIndex: keyIndex)
    }

    private func decode(_ segment: UnsafeBufferPointer<UInt8>, part: String) throws(TokenRejection) -> [UInt8] {
        do {
            return try Base64URL.decode(segment)
        } catch {
            switch error {
            case .padding:
                throw TokenRejection("\(part) segment has '=' padding")
            case .standardAlphabet:
                throw TokenRejection("\(part) segment uses the standard base64 alphabet ('+' or '/'), not base64url")
            case .invalidCharacter:
                throw TokenRejection("\(part) segment contains a character outside the base64url alphabet")
            case .impossibleLength:
                throw TokenRejection("\(part) segment has an impossible base64url length")
            case .nonZeroUnusedBits:
                throw TokenRejection("\(part) segment is not canonical base64url (unused bits are set)")
            }
        }
    }

    private func parseObject(_ bytes: [UInt8], part: String) throws(TokenRejection) -> [JSONValue.Member] {
        let value: JSONValue
        do {
            value = try StrictJSONParser.parse(bytes)
        } catch {
            switch error {
            case .invalidUTF8:
                throw TokenRejection("\(part) is not valid UTF-8")
            case .tooDeep(let limit):
                throw TokenRejection("\(part) nests deeper than \(limit) levels")
            case .duplicateMember(let name):
                throw TokenRejection("duplicate member \(ReasonText.quoted(name)) in \(part)")
            case .syntax:
                throw TokenRejection("\(part) is not valid JSON (\(error.detail))")
            }
        }
        guard case .object(let members) = value else {
            throw TokenRejection("\(part) is not a JSON object (got \(value.typeName))")
        }
        return members
    }

    private func checkHeader(_ members: [JSONValue.Member]) throws(TokenRejection) {
        let header = JSONValue.object(members)
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
        _ members: [JSONValue.Member], now: Double, keyIndex: Int
    ) throws(TokenRejection) -> VerifiedServerToken {
        let claims = JSONValue.object(members)
        switch claims[member: "sub"] {
        case nil:
            throw TokenRejection("sub claim is missing")
        case .string(ServerTokenSigner.subject):
            break
        case .some:
            throw TokenRejection("sub must be \"\(ServerTokenSigner.subject)\"")
        }
        if claims[member: "aud"] != nil { throw TokenRejection("aud claim is not allowed") }
        guard let exp = claims[member: "exp"] else { throw TokenRejection("exp claim is missing") }
        let expiresAt = try finiteNumber(exp, claim: "exp")
        let notBefore = try claims[member: "nbf"].map { (value) throws(TokenRejection) in
            try finiteNumber(value, claim: "nbf")
        }
        let issuedAt = try claims[member: "iat"].map { (value) throws(TokenRejection) in
            try finiteNumber(value, claim: "iat")
        }
        for name in ["jti", "iss"] {
            guard let value = claims[member: name] else { continue }
            guard case .string = value else { throw TokenRejection("\(name) must be a string, got \(value.typeName)") }
        }
        guard expiresAt > now else { throw TokenRejection("expired at \(ISO8601Timestamp.format(expiresAt))") }
        if let notBefore, notBefore > now {
            throw TokenRejection("not valid before \(ISO8601Timestamp.format(notBefore)) (nbf is in the future)")
        }
        return VerifiedServerToken(
            subject: ServerTokenSigner.subject, expiresAt: expiresAt, notBefore: notBefore, issuedAt: issuedAt,
            keyIndex: keyIndex)
    }

    private func finiteNumber(_ value: JSONValue, claim: String) throws(TokenRejection) -> Double {
        guard case .number(let number) = value else {
            throw TokenRejection("\(claim) must be a number, got \(value.typeName)")
        }
        guard number.isFinite else { throw TokenRejection("\(claim) must be a finite number") }
        return number
    }
}
