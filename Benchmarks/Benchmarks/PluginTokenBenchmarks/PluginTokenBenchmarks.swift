import BackendAuth
import Benchmark
import Foundation
import Logging

// Micro-benchmarks of plugin tokens (ES256). The baseline is `openssl speed -seconds 5 ecdsap256` run in the same
// session (see BENCHMARKS.md): the verify of a 20-byte digest with a reused context, OpenSSL's own best case.
//
// The token is what this package issues from plugin `scaffolder` to plugin `catalog` (about 180 bytes of signing input);
// each sample runs the body 1,000 times (`scalingFactor: .kilo`) and reports per operation.

/// Serves one key set document, counting nothing: the key set is fetched once, before measuring.
struct FixedKeySet: JSONWebKeySetSource {
    let document: [UInt8]
    func fetchKeySet(from url: String) async throws -> [UInt8] { document }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal, .throughput],
        warmupIterations: 3,
        scalingFactor: .kilo,
        maxDuration: .seconds(3),
        maxIterations: 1_000
    )
    let logger = Logger(label: "benchmarks", factory: { _ in SwiftLogNoOpLogHandler() })
    let key = try! PluginSigningKey.generate(keyId: "bench-key")
    let now = Int(Date().timeIntervalSince1970)
    // 1,000 distinct tokens (iat differs), so each verify of a sample sees a token for the first time.
    let tokens = (0..<1000).map { index in
        try! PluginTokenIssuer.sign(
            subject: "scaffolder", audience: "catalog", issuedAt: now - index, expiresAt: now + 86_400, key: key)
    }
    let parts = tokens[0].split(separator: ".")
    let signingInput = Array((parts[0] + "." + parts[1]).utf8)
    let signature = try! base64URLDecode(String(parts[2]))
    precondition(key.privateKey.publicKey.isValidSignature(signature, for: signingInput))
    let document = Array(PluginPublicKey.keySet([key.publicKey]).jsonText().utf8)
    let keySets = PluginKeySetCache(
        keySetURL: { "http://127.0.0.1/api/\($0)/.backstage/auth/v1/jwks.json" },
        source: FixedKeySet(document: document), logger: logger)

    Benchmark("ES256: verify the signature of a plugin token (P256VerifyingKey)") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(key.privateKey.publicKey.isValidSignature(signature, for: signingInput))
        }
    }

    Benchmark("ES256: first-seen plugin token (PluginTokenVerifier, key set cached)") { benchmark in
        let verifier = PluginTokenVerifier(keySets: keySets)
        _ = try await verifier.verify(tokens[0], audience: "catalog")  // fetches the key set once
        let fresh = PluginTokenVerifier(keySets: keySets)
        benchmark.startMeasurement()
        for index in benchmark.scaledIterations {
            blackHole(try await fresh.verify(tokens[index % tokens.count], audience: "catalog"))
        }
        benchmark.stopMeasurement()
    }

    Benchmark("ES256: reused plugin token (verified-token cache)") { benchmark in
        let verifier = PluginTokenVerifier(keySets: keySets)
        _ = try await verifier.verify(tokens[0], audience: "catalog")
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try await verifier.verify(tokens[0], audience: "catalog"))
        }
        benchmark.stopMeasurement()
    }

    Benchmark("ES256: isPluginToken (the guard's routing test)") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(PluginTokenVerifier.isPluginToken(tokens[0]))
        }
    }

    Benchmark("ES256: sign a plugin token") { benchmark in
        for index in benchmark.scaledIterations {
            blackHole(
                try PluginTokenIssuer.sign(
                    subject: "scaffolder", audience: "catalog", issuedAt: now + index, expiresAt: now + 3600,
                    key: key))
        }
    }
}

/// base64url without padding, decoded.
func base64URLDecode(_ text: String) throws -> [UInt8] {
    var standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
    while standard.count % 4 != 0 { standard += "=" }
    guard let data = Data(base64Encoded: standard) else { throw CocoaError(.coderInvalidValue) }
    return Array(data)
}
