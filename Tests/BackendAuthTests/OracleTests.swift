import BackendJSON
import Foundation
import InMemoryLogging
import Testing

@testable import BackendAuth

/// Runs an external program, returning its trimmed stdout, or nil when it cannot run or fails.
func runOracle(_ executable: String, _ arguments: [String]) -> String? {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [executable] + arguments
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    do {
        try process.run()
    } catch {
        return nil
    }
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { return nil }
    return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
}

let pyJWTAvailable = runOracle("python3", ["-c", "import jwt"]) != nil
let nodeAvailable = runOracle("node", ["-e", "process.exit(0)"]) != nil

func hex(_ bytes: [UInt8]) -> String {
    bytes.map { String(format: "%02x", $0) }.joined()
}

@Suite("External oracles")
struct OracleTests {
    typealias F = TokenFactory

    // MARK: RFC 7515 Appendix A.1 (HS256 example)

    static let rfcKey = "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"
    static let rfcJWS =
        "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9"
        + ".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
        + ".dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"

    @Test func rfc7515AppendixA1MacVerifies() throws {
        let key = HMACSHA256Key(key: try Base64URL.decode(Self.rfcKey))
        let parts = Self.rfcJWS.split(separator: ".").map(String.init)
        let signingInput = Array((parts[0] + "." + parts[1]).utf8)
        let signature = try Base64URL.decode(parts[2])
        #expect(
            signature == [
                116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212, 37, 77, 105, 214,
                191,
                240, 91, 88, 5, 88, 83, 132, 141, 121,
            ])
        let valid = signature.withUnsafeBytes { sig in
            signingInput.withUnsafeBytes { key.isValid(signature: sig, for: $0) }
        }
        #expect(valid)
        #expect(key.authenticationCode(for: signingInput) == signature)
        var tampered = signature
        tampered[0] ^= 1
        let invalid = tampered.withUnsafeBytes { sig in
            signingInput.withUnsafeBytes { key.isValid(signature: sig, for: $0) }
        }
        #expect(!invalid)
        // The whole token gets past structure, header (typ JWT, CRLF whitespace) and MAC, and is
        // then refused for its claims (it has no sub and expired in 2011).
        let manager = try ServerTokenManager.fromSecrets(
            [Self.rfcKey], logger: InMemoryLogHandler().logger, clock: ManualClock(F.now))
        #expect(throws: AuthenticationError(invalidServerTokenReason: "sub claim is missing", kind: .claims)) {
            try manager.verify(Self.rfcJWS)
        }
    }

    // MARK: RFC 4231 HMAC-SHA256 vectors (short key, block-size-exceeding key)

    @Test func rfc4231Vectors() {
        let short = HMACSHA256Key(key: Array(repeating: 0x0b, count: 20))
        #expect(
            hex(short.authenticationCode(for: Array("Hi There".utf8)))
                == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
        let jefe = HMACSHA256Key(key: Array("Jefe".utf8))
        #expect(
            hex(jefe.authenticationCode(for: Array("what do ya want for nothing?".utf8)))
                == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        let long = HMACSHA256Key(key: Array(repeating: 0xaa, count: 131))
        #expect(
            hex(long.authenticationCode(for: Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8)))
                == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
        let empty = HMACSHA256Key(key: [])
        #expect(empty.authenticationCode(for: Array("abc".utf8)) == F.hmac("abc", key: []))
        let block = HMACSHA256Key(key: Array(repeating: 0x61, count: 64))
        #expect(
            block.authenticationCode(for: Array("abc".utf8)) == F.hmac("abc", key: Array(repeating: 0x61, count: 64)))
    }

    // MARK: PyJWT

    static let pyMint = """
        import sys, jwt
        key = bytes.fromhex(sys.argv[1])
        print(jwt.encode({"sub": "backstage-server", "exp": int(sys.argv[2])}, key, algorithm="HS256", headers={"typ": None}))
        """
    static let pyVerify = """
        import sys, jwt
        claims = jwt.decode(sys.argv[2], bytes.fromhex(sys.argv[1]), algorithms=["HS256"])
        print(claims["sub"], claims["exp"])
        """

    @Test(.enabled(if: pyJWTAvailable, "PyJWT is not installed (pip install pyjwt)"))
    func pyJWTTokensAreAccepted() throws {
        let exp = Int(F.now) + 3600
        let minted = try #require(runOracle("python3", ["-c", Self.pyMint, hex(F.secondKey), String(exp)]))
        let manager = try ServerTokenManager.fromSecrets(
            [F.firstSecret, F.secondSecret], logger: InMemoryLogHandler().logger, clock: ManualClock(F.now))
        let claims = try manager.verify(minted)
        #expect(claims.keyIndex == 1)
        #expect(claims.expiresAt == Double(exp))
    }

    @Test(.enabled(if: pyJWTAvailable, "PyJWT is not installed (pip install pyjwt)"))
    func ourTokensAreAcceptedByPyJWT() async throws {
        let manager = try ServerTokenManager.fromSecrets([F.firstSecret], logger: InMemoryLogHandler().logger)
        let token = try await manager.getToken().token
        let output = try #require(runOracle("python3", ["-c", Self.pyVerify, hex(F.firstKey), token]))
        #expect(output.hasPrefix("backstage-server "))
        // PyJWT refuses it with another key.
        #expect(runOracle("python3", ["-c", Self.pyVerify, hex(F.secondKey), token]) == nil)
    }

    @Test(.enabled(if: pyJWTAvailable, "PyJWT is not installed (pip install pyjwt)"))
    func sameExpGivesByteIdenticalTokens() throws {
        let manager = try ServerTokenManager.fromSecrets([F.firstSecret], logger: InMemoryLogHandler().logger)
        for exp in [1_800_003_600, 4_102_444_800, 1] {
            let minted = try #require(runOracle("python3", ["-c", Self.pyMint, hex(F.firstKey), String(exp)]))
            #expect(manager.signToken(expiresAt: exp).token == minted)
        }
        let clock = ManualClock(F.now + 0.9)
        let cached = try ServerTokenManager.fromSecrets(
            [F.firstSecret], logger: InMemoryLogHandler().logger, clock: clock)
        let minted = try #require(
            runOracle("python3", ["-c", Self.pyMint, hex(F.firstKey), String(Int(F.now) + 3600)]))
        #expect(cached.currentToken().token == minted)
    }
}
