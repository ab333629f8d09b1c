import Foundation
import Testing

@testable import BackendAuth

/// PyJWT and `cryptography` through `Tests/Fixtures/plugin_token_oracle.py`.
enum PluginTokenOracle {
    static var script: String {
        var path = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { path.deleteLastPathComponent() }
        return path.appendingPathComponent("Fixtures/plugin_token_oracle.py").path
    }

    /// What PyJWT makes of `token` against `jwks` for `audience`: the header and claims, or nil when it refuses.
    static func verify(
        _ token: String, jwks: String, audience: String
    ) -> (header: [String: Any], claims: [String: Any])? {
        guard let output = runOracle("python3", ["-W", "ignore", script, "verify", jwks, token, audience]),
            let object = try? JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any],
            let header = object["header"] as? [String: Any], let claims = object["claims"] as? [String: Any]
        else { return nil }
        return (header, claims)
    }

    /// A Python-made key pair (PEM files in `directory`), its key set and tokens (see the script).
    struct Minted {
        let jwks: [UInt8]
        let tokens: [String: String]
        let directory: URL

        func token(_ name: String) -> String { tokens[name] ?? "" }
    }

    static func mint(issuer: String, audience: String) throws -> Minted {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "plugin-token-oracle-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let output = try #require(
            runOracle("python3", ["-W", "ignore", script, "mint", issuer, audience, directory.path]),
            "python3 with PyJWT and cryptography")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
        let jwks = Array(try JSONSerialization.data(withJSONObject: try #require(object["jwks"])))
        return Minted(jwks: jwks, tokens: try #require(object["tokens"] as? [String: String]), directory: directory)
    }
}

/// A public key store in memory: what the database store keeps, for the rotation tests.
actor MemoryPublicKeyStore: PluginPublicKeyStore {
    private(set) var rows: [(key: PluginPublicKey, expiresAt: Double)] = []

    func addKey(_ key: PluginPublicKey, expiresAt: Double) async throws {
        rows.append((key, expiresAt))
    }

    func listKeys(now: Double) async throws -> [PluginPublicKey] {
        rows.removeAll { $0.expiresAt <= now }
        return rows.map(\.key)
    }

    var keyIds: [String] { rows.map(\.key.keyId) }
}
