import BackendAuth
import Benchmark
import Foundation
import JWTKit
import Logging

// Micro-benchmarks: HS256 server tokens against the HMAC floor and against jwt-kit 5.
//
// Every benchmark uses the same 32-byte key and the same claims
// (`{"sub":"backstage-server","exp":4102444800}`), so the signing input is always the same 79 bytes
// (`eyJhbGciOiJIUzI1NiJ9.` + 58 characters of payload). Each sample runs the body 1,000 times
// (`scalingFactor: .kilo`); the reported wall clock and malloc counts are per operation.

/// The shared 32-byte key: bytes `3, 10, 17, …` (`AwoRGB8mLTQ7QklQV15lbHN6gYiPlp2kq7K5wMfO1dw=`).
let keyBytes: [UInt8] = (0..<32).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
/// Two other keys, configured before the shared one in the three-key manager.
let otherKeys: [[UInt8]] = [101, 211].map { seed in (0..<32).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ seed) } }
/// `exp` of every token: 2100-01-01T00:00:00Z (ten digits, so the signing input is 79 bytes).
let expiresAt = 4_102_444_800

func secret(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }

/// The claims as jwt-kit sees them; `verify` checks what ours checks (`exp` in the future, `sub`).
struct ServerClaims: JWTPayload {
    var sub: SubjectClaim
    var exp: ExpirationClaim

    func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
        guard sub.value == "backstage-server" else {
            throw JWTError.claimVerificationFailure(failedClaim: sub, reason: "unexpected subject")
        }
    }
}

let benchmarks: @Sendable () -> Void = {
    // Wall clock and allocations, 1,000 operations per sample.
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal, .throughput],
        warmupIterations: 10,
        scalingFactor: .kilo,
        maxDuration: .seconds(2),
        maxIterations: 10_000
    )
    let logger = Logger(label: "benchmarks", factory: { _ in SwiftLogNoOpLogHandler() })

    // Fixtures.
    let manager = try! ServerTokenManager.fromSecrets([secret(keyBytes)], logger: logger)
    let threeKeys = try! ServerTokenManager.fromSecrets(
        [secret(otherKeys[0]), secret(otherKeys[1]), secret(keyBytes)], logger: logger)
    let token = manager.signToken(expiresAt: expiresAt).token
    let signingInput =
        Array(token.utf8.prefix(while: { $0 != UInt8(ascii: ".") }))
        + [UInt8(ascii: ".")]
        + Array(token.utf8.split(separator: UInt8(ascii: "."))[1])
    precondition(signingInput.count == 79, "the signing input must be 79 bytes, got \(signingInput.count)")
    precondition((try? manager.verify(token))?.keyIndex == 0)
    precondition((try? threeKeys.verify(token))?.keyIndex == 2)

    // Same token, first signature character changed: canonical base64url, wrong MAC.
    var wrongSignatureBytes = Array(token.utf8)
    let signatureStart = wrongSignatureBytes.count - 43
    wrongSignatureBytes[signatureStart] = wrongSignatureBytes[signatureStart] == UInt8(ascii: "A") ? 66 : 65
    let wrongSignature = String(decoding: wrongSignatureBytes, as: UTF8.self)
    precondition((try? manager.verify(wrongSignature)) == nil)
    // Two segments only.
    let malformed = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJiYWNrc3RhZ2Utc2VydmVyIn0"
    precondition((try? manager.verify(malformed)) == nil)

    // The floor: one HMAC-SHA256 over the 79-byte signing input, key state precomputed and reused.
    let hmacKey = HMACSHA256Key(key: keyBytes)
    Benchmark("floor: HMAC-SHA256 of the 79-byte signing input (precomputed key)") { benchmark in
        var output = [UInt8](repeating: 0, count: HMACSHA256Key.macLength)
        signingInput.withUnsafeBytes { input in
            output.withUnsafeMutableBufferPointer { out in
                let base = out.baseAddress!
                benchmark.startMeasurement()
                for _ in benchmark.scaledIterations {
                    hmacKey.authenticate(input, into: base)
                    blackHole(base.pointee)
                }
                benchmark.stopMeasurement()
            }
        }
    }

    Benchmark("ours: verify valid token (first key)") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try? manager.verify(token))
        }
    }

    Benchmark("ours: verify valid token (third of three keys)") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try? threeKeys.verify(token))
        }
    }

    Benchmark("ours: verify wrong signature") { benchmark in
        for _ in benchmark.scaledIterations {
            do {
                blackHole(try manager.verify(wrongSignature))
            } catch {
                blackHole(error)
            }
        }
    }

    Benchmark("ours: verify malformed token") { benchmark in
        for _ in benchmark.scaledIterations {
            do {
                blackHole(try manager.verify(malformed))
            } catch {
                blackHole(error)
            }
        }
    }

    Benchmark("ours: sign") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(manager.signToken(expiresAt: expiresAt))
        }
    }

    Benchmark("ours: getToken() cached") { benchmark in
        _ = try await manager.getToken()  // the first call signs; the measured ones hit the cache
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try await manager.getToken())
        }
        benchmark.stopMeasurement()
    }

    // jwt-kit 5 (swift-crypto) with the same key, verifying the same token.
    let jwtKeys = JWTKeyCollection()
    Benchmark("jwt-kit: verify valid token") { benchmark in
        await jwtKeys.add(hmac: HMACKey(from: keyBytes), digestAlgorithm: .sha256)
        let claims = try await jwtKeys.verify(token, as: ServerClaims.self)
        precondition(claims.exp.value == Date(timeIntervalSince1970: Double(expiresAt)))
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try await jwtKeys.verify(token, as: ServerClaims.self))
        }
        benchmark.stopMeasurement()
    }

    Benchmark("jwt-kit: sign") { benchmark in
        await jwtKeys.add(hmac: HMACKey(from: keyBytes), digestAlgorithm: .sha256)
        let claims = ServerClaims(
            sub: "backstage-server", exp: ExpirationClaim(value: Date(timeIntervalSince1970: Double(expiresAt))))
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try await jwtKeys.sign(claims))
        }
        benchmark.stopMeasurement()
    }
}
