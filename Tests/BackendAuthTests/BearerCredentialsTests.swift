import BackendAuth
import Testing

@Suite("Authorization header parsing")
struct BearerCredentialsTests {
    @Test func schemesBlanksAndTokens() {
        #expect(BearerCredentials.parse(nil) == .missing)
        #expect(BearerCredentials.parse(" \t ") == .missing)
        #expect(BearerCredentials.parse("Bearer abc") == .bearer("abc"))
        #expect(BearerCredentials.parse("\tbEaReR \t abc  ") == .bearer("abc"))
        #expect(BearerCredentials.parse("Bearer") == .malformed)
        #expect(BearerCredentials.parse("Bearer   ") == .malformed)
        #expect(BearerCredentials.parse("Basic dXNlcg") == .malformed)
        #expect(BearerCredentials.parse("Bearerx abc") == .malformed)
    }

    /// A fuzzed input (invalid UTF-8 decoded with replacement, then U+0603, which joins the blank after it into one
    /// grapheme cluster): the token is the trimmed bytes after the scheme, compared as bytes, not Characters.
    @Test func tokensAreCutByBytes() {
        let header = String(decoding: Array("\tbEaReR \t eI.".utf8) + [0xE2, 0x20, 0xD8, 0x83, 0x20], as: UTF8.self)
        guard case .bearer(let token) = BearerCredentials.parse(header) else {
            Issue.record("not a bearer token")
            return
        }
        #expect(Array(token.utf8) == Array("eI.\u{FFFD} \u{0603}".utf8))
    }
}
