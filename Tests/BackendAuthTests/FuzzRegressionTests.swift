import BackendAuth
import Logging
import Testing

/// Inputs found by `Fuzz/` (FuzzTokenVerify), kept as regression tests. See RELIABILITY.md.
@Suite("Fuzz regressions")
struct FuzzRegressionTests {
    /// The keys the fuzz harness configures.
    static let manager = try! ServerTokenManager.fromSecrets(
        ["ZnV6ei1rZXktQS0wMTIzNDU2Nzg5YWJjZGVmZ2hpamts", "my-secret-key-catalog"],
        logger: Logger(label: "fuzz-regression") { _ in SwiftLogNoOpLogHandler() })

    /// crash-5914b297…: `)` followed by 76 NUL bytes. The verifier was right; the harness's leak check used
    /// Foundation's `String.contains(_:)`, which on Linux stops comparing at the first NUL of its argument and so
    /// reported that the reason `… (found 1)` "contains" the token. Pinned here: the reason, and that a NUL-aware
    /// search finds no token in it.
    @Test("a token of ')' and 76 NULs is rejected without echoing it")
    func parenthesisAndNULs() {
        let token = ")" + String(repeating: "\0", count: 76)
        #expect(
            throws: AuthenticationError(
                invalidServerTokenReason: "token is not three base64url segments (found 1)", kind: .malformed)
        ) {
            try Self.manager.verify(token, at: 1_700_000_000)
        }
    }

    @Test(
        "NUL bytes inside otherwise well-formed segments are rejected by the alphabet check",
        arguments: [
            "eyJhbGciOiJIUzI1NiJ9\0.e30.AAAA", "eyJhbGciOiJIUzI1NiJ9.\0e30.AAAA", "\0.\0.\0",
        ])
    func nulInSegments(_ token: String) {
        do {
            _ = try Self.manager.verify(token, at: 1_700_000_000)
            Issue.record("accepted \(token.debugDescription)")
        } catch {
            #expect(error.reason?.contains("base64url") == true || error.reason?.contains("empty") == true, "\(error)")
            #expect(error.message.firstRange(of: token) == nil)
        }
    }
}
