import BackendJSON
import COpenSSL
import Foundation
import InMemoryLogging
import Logging
import Testing

@testable import BackendAuth

@Suite("Verifying server tokens")
struct VerificationTests {
    typealias F = TokenFactory

    let manager: HMACTokenManager

    init() throws {
        manager = try ServerTokenManager.fromSecrets(
            [F.firstSecret, F.secondSecret], logger: InMemoryLogHandler().logger, clock: ManualClock(F.now))
    }

    func expectRejected(
        _ token: String, _ reason: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        do {
            let claims = try manager.verify(token)
            Issue.record("accepted, expected \(reason): \(claims)", sourceLocation: sourceLocation)
        } catch {
            #expect(error.reason == reason, sourceLocation: sourceLocation)
            #expect(error.kind == Self.kind(of: reason), "\(reason)", sourceLocation: sourceLocation)
            #expect(error.message == "Invalid server token; caused by \(reason)", sourceLocation: sourceLocation)
            for segment in token.split(separator: ".") where segment.count >= 8 {
                #expect(!error.message.contains(segment), "reason echoes the token", sourceLocation: sourceLocation)
            }
            #expect(!error.message.contains(F.firstSecret) && !error.message.contains(F.secondSecret))
        }
    }

    /// The documented grouping of reasons: no key made the signature (or it has the wrong length), the token
    /// expired, a claim is missing or wrong after the signature matched; everything else is about the token's form.
    static func kind(of reason: String) -> AuthenticationError.Kind {
        if reason == "signature matched no configured key" || reason.hasPrefix("signature is ") { return .signature }
        if reason.hasPrefix("expired at ") { return .expired }
        let claims = ["sub ", "exp ", "nbf ", "iat ", "jti ", "iss ", "aud ", "not valid before "]
        if claims.contains(where: reason.hasPrefix) { return .claims }
        return .malformed
    }

    func expectAccepted(_ token: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(throws: Never.self, sourceLocation: sourceLocation) { try manager.verify(token) }
    }

    // MARK: accepted

    @Test func acceptsTheCanonicalToken() async throws {
        let claims = try manager.verify(F.token())
        #expect(claims.subject == "backstage-server")
        #expect(claims.expiresAt == F.now + 3600)
        #expect(claims.keyIndex == 0)
        try await manager.authenticate(F.token())
    }

    @Test func acceptsTypJWTHeader() {
        expectAccepted(F.token(header: #"{"alg":"HS256","typ":"JWT"}"#))
        expectAccepted(F.token(header: #"{"typ":"JWT","alg":"HS256"}"#))
    }

    @Test func acceptsExtraWellTypedClaims() throws {
        let payload =
            #"{"sub":"backstage-server","exp":\#(Int(F.now) + 60),"iat":\#(Int(F.now) - 5),"nbf":\#(Int(F.now) - 5),"jti":"abc-123","iss":"catalog"}"#
        let claims = try manager.verify(F.token(payload: payload))
        #expect(claims.issuedAt == F.now - 5)
        #expect(claims.notBefore == F.now - 5)
    }

    @Test func acceptsJSONWhitespaceInsideSegments() {
        expectAccepted(
            F.token(
                header: " {\n\t\"alg\" : \"HS256\"\r\n} ",
                payload: "{ \"sub\" :\t\"backstage-server\" ,\n \"exp\" : \(Int(F.now) + 60) }\n"))
    }

    @Test func acceptsEscapedAlg() {
        expectAccepted(F.token(header: #"{"alg":"HS\u0032\u0035\u0036"}"#))
        expectAccepted(F.token(payload: #"{"\u0073ub":"backstage-\u0073erver","exp":\#(Int(F.now) + 60)}"#))
    }

    @Test func acceptsFractionalExp() throws {
        let claims = try manager.verify(F.token(payload: F.payload(exp: F.now + 0.5)))
        #expect(claims.expiresAt == F.now + 0.5)
        expectRejected(F.token(payload: F.payload(exp: F.now - 0.25)), "expired at 2027-01-15T07:59:59.750Z")
    }

    @Test func acceptsTokenSignedWithTheSecondKey() throws {
        let claims = try manager.verify(F.token(key: F.secondKey))
        #expect(claims.keyIndex == 1)
    }

    // MARK: alg

    @Test(arguments: ["none", "None", "NONE"])
    func rejectsAlgNone(_ alg: String) {
        let unsigned = F.b64(#"{"alg":"\#(alg)"}"#) + "." + F.b64(F.payload()) + "."
        expectRejected(unsigned, "unsupported alg \"\(alg)\"")
        expectRejected(F.token(header: #"{"alg":"\#(alg)"}"#), "unsupported alg \"\(alg)\"")
    }

    @Test func rejectsCorrectlySignedHS384AndHS512() {
        for (alg, digest) in [("HS384", EVP_sha384()), ("HS512", EVP_sha512())] {
            let signingInput = F.b64(#"{"alg":"\#(alg)"}"#) + "." + F.b64(F.payload())
            let token = signingInput + "." + F.b64(F.hmac(signingInput, key: F.firstKey, digest: digest))
            expectRejected(token, "unsupported alg \"\(alg)\"")
        }
    }

    @Test func rejectsRS256() {
        let signingInput = F.b64(#"{"alg":"RS256","typ":"JWT"}"#) + "." + F.b64(F.payload())
        expectRejected(signingInput + "." + F.b64([UInt8](repeating: 7, count: 256)), "unsupported alg \"RS256\"")
    }

    @Test func rejectsMissingOrNonStringAlg() {
        expectRejected(F.token(header: "{}"), "header has no \"alg\"")
        expectRejected(F.token(header: #"{"typ":"JWT"}"#), "header has no \"alg\"")
        expectRejected(F.token(header: #"{"alg":256}"#), "alg must be a string, got number")
        expectRejected(F.token(header: #"{"alg":null}"#), "alg must be a string, got null")
        expectRejected(F.token(header: #"{"alg":["HS256"]}"#), "alg must be a string, got array")
    }

    @Test func quotesHostileAlgValuesSafely() {
        let long = String(repeating: "A", count: 100)
        expectRejected(
            F.token(header: #"{"alg":"\#(long)"}"#), "unsupported alg \"\(String(repeating: "A", count: 32))\"…")
        expectRejected(F.token(header: #"{"alg":"x\n\"y"}"#), #"unsupported alg "x\u{A}\"y""#)
    }

    @Test func rejectsDuplicateMembers() {
        expectRejected(F.token(header: #"{"alg":"HS256","alg":"HS256"}"#), "duplicate member \"alg\" in header")
        expectRejected(F.token(header: #"{"alg":"none","alg":"HS256"}"#), "duplicate member \"alg\" in header")
        expectRejected(F.token(header: #"{"alg":"HS256","\u0061lg":"none"}"#), "duplicate member \"alg\" in header")
        let payload = #"{"sub":"nobody","sub":"backstage-server","exp":\#(Int(F.now) + 60)}"#
        expectRejected(F.token(payload: payload), "duplicate member \"sub\" in payload")
    }

    @Test func rejectsCritAndB64() {
        expectRejected(F.token(header: #"{"alg":"HS256","crit":["exp"],"exp":1}"#), "crit header is not supported")
        expectRejected(F.token(header: #"{"alg":"HS256","crit":[]}"#), "crit header is not supported")
        expectRejected(F.token(header: #"{"alg":"HS256","b64":false,"crit":["b64"]}"#), "crit header is not supported")
        expectRejected(F.token(header: #"{"alg":"HS256","b64":false}"#), "b64 header is not supported")
    }

    @Test func rejectsUnexpectedTyp() {
        expectRejected(F.token(header: #"{"alg":"HS256","typ":"at+jwt"}"#), "unsupported typ \"at+jwt\"")
        expectRejected(F.token(header: #"{"alg":"HS256","typ":1}"#), "typ must be a string, got number")
    }

    // MARK: signature

    @Test func rejectsUnknownAndEmptyKeys() {
        expectRejected(F.token(key: Array(repeating: 9, count: 32)), "signature matched no configured key")
        expectRejected(F.token(key: []), "signature matched no configured key")
    }

    @Test func rejectsTruncatedAndExtendedSignatures() {
        let signingInput = F.b64(F.standardHeader) + "." + F.b64(F.payload())
        let mac = F.hmac(signingInput, key: F.firstKey)
        expectRejected(signingInput + "." + F.b64(Array(mac.prefix(31))), "signature is 31 bytes, expected 32")
        expectRejected(signingInput + "." + F.b64(mac + [0]), "signature is 33 bytes, expected 32")
        expectRejected(signingInput + "." + F.b64(Array(mac.prefix(16))), "signature is 16 bytes, expected 32")
        expectRejected(signingInput + ".", "signature is 0 bytes, expected 32")
        let full = F.b64(mac)
        expectRejected(
            signingInput + "." + full.dropLast(), "signature segment is not canonical base64url (unused bits are set)")
        expectRejected(signingInput + "." + full.dropLast(2), "signature segment has an impossible base64url length")
    }

    @Test func rejectsPadding() {
        let token = F.token()
        expectRejected(token + "=", "signature segment has '=' padding")
        let parts = token.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        expectRejected(parts[0] + "=." + parts[1] + "." + parts[2], "header segment has '=' padding")
    }

    @Test func rejectsNonCanonicalBase64URL() {
        let token = F.token()
        // 32 bytes → 43 characters: the last character carries 2 unused bits. Flip them on.
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        guard let last = token.last, let value = alphabet.firstIndex(of: last) else {
            Issue.record("unexpected token shape")
            return
        }
        let tampered = String(token.dropLast()) + String(alphabet[value | 0b11])
        expectRejected(tampered, "signature segment is not canonical base64url (unused bits are set)")
        // Same decoded bytes, so a lenient decoder would accept it: make sure ours doesn't.
        let header = F.b64(F.standardHeader)  // "eyJhbGciOiJIUzI1NiJ9": 20 chars, canonical
        #expect(header == "eyJhbGciOiJIUzI1NiJ9")
        let nonCanonicalPayload = nonCanonical(F.b64(F.payload()))
        if let nonCanonicalPayload {
            expectRejected(
                F.token(encodedHeader: header, encodedPayload: nonCanonicalPayload),
                "payload segment is not canonical base64url (unused bits are set)")
        }
    }

    /// The same bytes with nonzero unused bits, when the encoding has any.
    private func nonCanonical(_ encoded: String) -> String? {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        guard encoded.count % 4 != 0, let last = encoded.last, let value = alphabet.firstIndex(of: last) else {
            return nil
        }
        let mask = encoded.count % 4 == 2 ? 0b1111 : 0b11
        return String(encoded.dropLast()) + String(alphabet[value | mask])
    }

    @Test func rejectsSignatureInStandardAlphabet() {
        // Find an exp whose signature contains '-' or '_' and spell it with '+' / '/'.
        var exp = F.now + 3600
        var token = F.token(payload: F.payload(exp: exp))
        while !(token.split(separator: ".").last ?? "").contains(where: { $0 == "-" || $0 == "_" }) {
            exp += 1
            token = F.token(payload: F.payload(exp: exp))
        }
        let parts = token.split(separator: ".").map(String.init)
        let standard = parts[2].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        expectRejected(
            parts[0] + "." + parts[1] + "." + standard,
            "signature segment uses the standard base64 alphabet ('+' or '/'), not base64url")
    }

    // MARK: claims

    @Test func rejectsBadExp() {
        expectRejected(F.token(payload: #"{"sub":"backstage-server"}"#), "exp claim is missing")
        expectRejected(F.token(payload: F.payload(exp: 1_796_014_800)), "expired at 2026-11-30T05:00:00Z")
        expectRejected(F.token(payload: F.payload(exp: F.now)), "expired at 2027-01-15T08:00:00Z")
        expectRejected(
            F.token(payload: #"{"sub":"backstage-server","exp":"\#(Int(F.now) + 60)"}"#),
            "exp must be a number, got string")
        expectRejected(F.token(payload: #"{"sub":"backstage-server","exp":1e400}"#), "exp must be a finite number")
        expectRejected(F.token(payload: #"{"sub":"backstage-server","exp":-1e400}"#), "exp must be a finite number")
        expectRejected(F.token(payload: #"{"sub":"backstage-server","exp":true}"#), "exp must be a number, got boolean")
        expectRejected(F.token(payload: #"{"sub":"backstage-server","exp":null}"#), "exp must be a number, got null")
    }

    @Test func rejectsFutureNbfAndBadIat() {
        let exp = Int(F.now) + 3600
        expectRejected(
            F.token(payload: #"{"sub":"backstage-server","exp":\#(exp),"nbf":\#(Int(F.now) + 3600)}"#),
            "not valid before 2027-01-15T09:00:00Z (nbf is in the future)")
        expectRejected(
            F.token(payload: #"{"sub":"backstage-server","exp":\#(exp),"nbf":"0"}"#), "nbf must be a number, got string"
        )
        expectRejected(
            F.token(payload: #"{"sub":"backstage-server","exp":\#(exp),"iat":"\#(Int(F.now))"}"#),
            "iat must be a number, got string")
        expectRejected(
            F.token(payload: #"{"sub":"backstage-server","exp":\#(exp),"jti":7}"#), "jti must be a string, got number")
    }

    @Test func rejectsBadSub() {
        let exp = Int(F.now) + 60
        expectRejected(F.token(payload: #"{"exp":\#(exp)}"#), "sub claim is missing")
        expectRejected(
            F.token(payload: #"{"sub":"backstage-server ","exp":\#(exp)}"#), "sub must be \"backstage-server\"")
        expectRejected(
            F.token(payload: #"{"sub":["backstage-server"],"exp":\#(exp)}"#), "sub must be \"backstage-server\"")
        expectRejected(
            F.token(payload: #"{"sub":"Backstage-Server","exp":\#(exp)}"#), "sub must be \"backstage-server\"")
    }

    @Test func rejectsAud() {
        let exp = Int(F.now) + 60
        expectRejected(
            F.token(payload: #"{"sub":"backstage-server","exp":\#(exp),"aud":"catalog"}"#), "aud claim is not allowed")
        expectRejected(
            F.token(payload: #"{"sub":"backstage-server","exp":\#(exp),"aud":[]}"#), "aud claim is not allowed")
    }

    @Test func rejectsPayloadsThatAreNotJSONObjects() {
        expectRejected(F.token(payload: "not json"), "payload is not valid JSON (invalid literal at byte 0)")
        expectRejected(
            F.token(payload: #"{"sub":"backstage-server","exp":1,}"#),
            "payload is not valid JSON (expected a member name at byte 34)")
        expectRejected(F.token(payload: "[1,2]"), "payload is not a JSON object (got array)")
        expectRejected(F.token(payload: #""backstage-server""#), "payload is not a JSON object (got string)")
        expectRejected(
            F.token(payloadBytes: Array(#"{"sub":"backstage-server","exp":1,"x":""#.utf8) + [0xFF, 0x22, 0x7D]),
            "payload is not valid UTF-8")
        // An encoded surrogate (CESU) and an overlong encoding are invalid UTF-8 too.
        expectRejected(
            F.token(payloadBytes: Array(#"{"x":""#.utf8) + [0xED, 0xA0, 0x80, 0x22, 0x7D]), "payload is not valid UTF-8"
        )
        expectRejected(
            F.token(payloadBytes: Array(#"{"x":""#.utf8) + [0xC0, 0xAF, 0x22, 0x7D]), "payload is not valid UTF-8")
        expectRejected(
            F.token(payload: #"{"sub":"backstage-server","exp":\#(Int(F.now) + 60),"x":"\uD800"}"#),
            "payload is not valid JSON (unpaired surrogate escape at byte 48)")
        expectRejected(
            F.token(header: "{\"alg\":\"HS256\"}\u{0}"),
            "header is not valid JSON (unexpected data after the JSON value at byte 15)")
    }

    @Test func rejectsDeepNestingWithoutCrashing() {
        let nested = String(repeating: "[", count: 1000) + String(repeating: "]", count: 1000)
        let payload = #"{"sub":"backstage-server","exp":\#(Int(F.now) + 60),"x":\#(nested)}"#
        expectRejected(F.token(payload: payload), "payload nests deeper than 32 levels")
        let objects = String(repeating: #"{"a":"#, count: 1000) + "1" + String(repeating: "}", count: 1000)
        expectRejected(F.token(payload: objects), "payload nests deeper than 32 levels")
        expectRejected(F.token(header: #"{"alg":"HS256","x":\#(nested)}"#), "header nests deeper than 32 levels")
    }

    // MARK: structure

    @Test func rejectsWrongSegmentCounts() {
        let parts = F.token().split(separator: ".").map(String.init)
        expectRejected(parts[0] + "." + parts[1], "token is not three base64url segments (found 2)")
        expectRejected(F.token() + "." + parts[2], "token is not three base64url segments (found 4)")
        expectRejected(F.token() + ".a.b", "token is not three base64url segments (found 5)")
        expectRejected("abc", "token is not three base64url segments (found 1)")
        expectRejected("..", "header segment is empty")
        expectRejected(parts[0] + ".." + parts[2], "payload segment is empty")
    }

    @Test func rejectsEmptyAndWhitespace() {
        expectRejected("", "token is empty")
        expectRejected(" " + F.token(), "token contains whitespace")
        expectRejected(F.token() + "\n", "token contains whitespace")
        expectRejected(F.token() + " ", "token contains whitespace")
        expectRejected("\t" + F.token(), "token contains whitespace")
        expectRejected("Bearer " + F.token(), "token contains whitespace")
    }

    @Test func rejectsOtherCharacters() {
        let parts = F.token().split(separator: ".").map(String.init)
        expectRejected(
            parts[0] + "." + parts[1] + "." + parts[2] + "é",
            "signature segment contains a character outside the base64url alphabet")
        expectRejected(
            parts[0] + "%." + parts[1] + "." + parts[2],
            "header segment contains a character outside the base64url alphabet")
    }

    @Test func rejectsJWSJSONSerialization() {
        let parts = F.token().split(separator: ".").map(String.init)
        let json = #"{"payload":"\#(parts[1])","protected":"\#(parts[0])","signature":"\#(parts[2])"}"#
        expectRejected(json, "JWS JSON serialization is not supported; expected compact serialization")
        let flattened =
            #"{"payload":"\#(parts[1])","signatures":[{"protected":"\#(parts[0])","signature":"\#(parts[2])"}]}"#
        expectRejected(flattened, "JWS JSON serialization is not supported; expected compact serialization")
    }

    @Test func rejectsHugeTokensByTheirSize() {
        let huge = String(repeating: "A", count: 10 * 1024 * 1024)
        expectRejected(huge, "token is 10485760 bytes, more than the 8192 allowed")
        let hugeValid = F.token(
            payload:
                #"{"sub":"backstage-server","exp":\#(Int(F.now) + 60),"x":"\#(String(repeating: "x", count: 9000))"}"#)
        expectRejected(hugeValid, "token is \(hugeValid.utf8.count) bytes, more than the 8192 allowed")
    }

    @Test func checksStructureBeforeTheSignature() {
        // A forged token with a good structure but wrong alg is refused for its alg, before any MAC work.
        expectRejected(F.token(header: #"{"alg":"HS384"}"#, key: [1, 2, 3]), "unsupported alg \"HS384\"")
        // A payload problem behind a wrong signature is reported as the signature failure.
        expectRejected(F.token(payload: "[]", key: [1, 2, 3]), "signature matched no configured key")
    }
}
