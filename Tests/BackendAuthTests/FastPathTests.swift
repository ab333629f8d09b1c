import BackendJSON
import Foundation
import InMemoryLogging
import Logging
import Testing

@testable import BackendAuth

/// The verifier recognizes the exact bytes of a standard server token (header `{"alg":"HS256"}`,
/// payload `{"sub":"backstage-server","exp":<integer>}`) and skips JSON parsing for them (see
/// BENCHMARKS.md). These tests check that the fast paths reach the verdict and the reason the
/// general path reaches: a leading space is valid JSON whitespace but never matches a fast path.
@Suite("Verification fast paths agree with the general path")
struct FastPathTests {
    typealias F = TokenFactory

    let manager: HMACTokenManager

    init() throws {
        manager = try ServerTokenManager.fromSecrets(
            [F.firstSecret], logger: InMemoryLogHandler().logger, clock: ManualClock(F.now))
    }

    func outcome(_ token: String) -> Result<VerifiedServerToken, AuthenticationError> {
        Result { () throws(AuthenticationError) -> VerifiedServerToken in try manager.verify(token) }
    }

    static let payloads: [String] = [
        #"{"sub":"backstage-server","exp":1800003600}"#,
        #"{"sub":"backstage-server","exp":1799999999}"#,
        #"{"sub":"backstage-server","exp":1800000000}"#,
        #"{"sub":"backstage-server","exp":0}"#,
        #"{"sub":"backstage-server","exp":-0}"#,
        #"{"sub":"backstage-server","exp":01800003600}"#,
        #"{"sub":"backstage-server","exp":-1800003600}"#,
        #"{"sub":"backstage-server","exp":1800003600.5}"#,
        #"{"sub":"backstage-server","exp":18000036e2}"#,
        #"{"sub":"backstage-server","exp":999999999999999}"#,
        #"{"sub":"backstage-server","exp":1000000000000000}"#,
        #"{"sub":"backstage-server","exp":99999999999999999999}"#,
        #"{"sub":"backstage-server","exp":}"#,
        #"{"sub":"backstage-server","exp":1800003600 }"#,
        #"{"sub":"backstage-server","exp":18000x3600}"#,
        #"{"sub":"backstage-server","exp":1800003600}}"#,
        #"{"sub":"backstage-server","exp":1800003600,"aud":"x"}"#,
        #"{"sub":"backstage-server","exp":1800003600,"sub":"x"}"#,
        #"{"sub":"backstage-server","exp":"1800003600"}"#,
        #"{"sub":"backstage-server","exp":1800003600"#,
    ]

    @Test(arguments: payloads)
    func payloadFastPathMatchesGeneralPath(payload: String) {
        let fast = outcome(F.token(payload: payload))
        let general = outcome(F.token(payload: " " + payload))
        switch (fast, general) {
        case (.success(let a), .success(let b)):
            #expect(a == b)
        case (.failure(let a), .failure(let b)):
            #expect(a.reason == Self.shiftingOffset(b.reason))
        default:
            Issue.record("fast path: \(fast), general path: \(general)")
        }
    }

    /// A general-path reason with its `at byte N` moved back over the leading space.
    static func shiftingOffset(_ reason: String?) -> String? {
        guard let reason, let range = reason.range(of: "at byte ") else { return reason }
        let digits = reason[range.upperBound...].prefix { $0.isNumber }
        guard let offset = Int(digits) else { return reason }
        return reason[..<range.upperBound] + String(offset - 1) + reason[digits.endIndex...]
    }

    @Test func headerFastPathMatchesGeneralPath() throws {
        let fast = try manager.verify(F.token())
        let general = try manager.verify(F.token(header: #" {"alg":"HS256"}"#))
        #expect(fast == general)
        #expect(F.b64(F.standardHeader) == ServerTokenSigner.encodedHeader)
    }

    @Test func decodingIntoABufferReportsTheSameErrors() {
        for (input, expected) in [
            ("=", Base64URL.DecodingError.padding), ("A", .impossibleLength), ("A=", .padding),
            ("AB+/", .standardAlphabet), ("AB", .nonZeroUnusedBits), ("AB*=", .invalidCharacter),
            ("AAB", .nonZeroUnusedBits),
        ] {
            #expect(throws: expected) { try Base64URL.decode(input) }
        }
        #expect((try? Base64URL.decode("AQID")) == [1, 2, 3])
        #expect((try? Base64URL.decode("AQ")) == [1])
        #expect((try? Base64URL.decode("")) == [])
    }
}
