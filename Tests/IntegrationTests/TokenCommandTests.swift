import Foundation
import Testing

@Suite("backend secret / token create / token verify")
struct TokenCommandTests {
    /// 32 bytes, canonical base64, so Python's b64decode gives the same key bytes as Node's Buffer.from.
    static let secret = "q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA="
    static let otherSecret = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

    @Test("secret prints 32 random bytes of base64 by default and honours --bytes")
    func secret() async throws {
        let first = try await BackendProcess.run(["secret"])
        let second = try await BackendProcess.run(["secret"])
        #expect(first.exitCode == 0)
        let decoded = Data(base64Encoded: first.stdout.trimmingCharacters(in: .newlines))
        #expect(decoded?.count == 32)
        #expect(first.stdout != second.stdout)
        let short = try await BackendProcess.run(["secret", "--bytes", "48"])
        #expect(Data(base64Encoded: short.stdout.trimmingCharacters(in: .newlines))?.count == 48)
        let bad = try await BackendProcess.run(["secret", "--bytes", "0"])
        #expect(bad.exitCode == 2)
    }

    @Test("token create prints only the token; PyJWT accepts it with the exact header and claims")
    func createInteropsWithPyJWT() async throws {
        let before = Int(Date().timeIntervalSince1970)
        let result = try await BackendProcess.run(["token", "create", "--secret", Self.secret])
        let after = Int(Date().timeIntervalSince1970) + 1
        #expect(result.exitCode == 0)
        let token = result.stdout.trimmingCharacters(in: .newlines)
        #expect(token.split(separator: ".").count == 3)
        #expect(!result.stdout.dropLast().contains("\n"))
        #expect(token.split(separator: ".").first == "eyJhbGciOiJIUzI1NiJ9")  // {"alg":"HS256"}
        let decoded = try await Python.run(
            """
            import base64, json, sys, time, jwt
            key = base64.b64decode(sys.argv[2])
            claims = jwt.decode(sys.argv[1], key, algorithms=["HS256"])
            assert claims["sub"] == "backstage-server", claims
            assert int(sys.argv[3]) + 3600 <= claims["exp"] <= int(sys.argv[4]) + 3600, claims
            again = jwt.encode(claims, key, algorithm="HS256", headers={"typ": None})
            print(json.dumps({"keys": sorted(claims), "same": again == sys.argv[1]}))
            """,
            [token, Self.secret, String(before), String(after)]
        )
        #expect(decoded == #"{"keys": ["exp", "sub"], "same": true}"#)
    }

    @Test("token verify accepts a PyJWT token from argv and stdin, and rejects with the reason")
    func verify() async throws {
        let pyToken = try await Python.run(
            """
            import base64, sys, time, jwt
            key = base64.b64decode(sys.argv[1])
            print(jwt.encode({"sub": "backstage-server", "exp": int(time.time()) + 600}, key,
                             algorithm="HS256", headers={"typ": None}))
            """,
            [Self.secret]
        )
        let argv = try await BackendProcess.run(["token", "verify", pyToken, "--secret", Self.secret])
        #expect(argv.exitCode == 0, "\(argv.stderr)")
        let stdin = try await BackendProcess.run(["token", "verify", "--secret", Self.secret], stdin: pyToken + "\n")
        #expect(stdin.exitCode == 0, "\(stdin.stderr)")
        let dash = try await BackendProcess.run(
            ["token", "verify", "-", "--secret", Self.otherSecret, "--secret", Self.secret],
            stdin: pyToken
        )
        #expect(dash.exitCode == 0, "\(dash.stderr)")

        let wrongKey = try await BackendProcess.run(["token", "verify", pyToken, "--secret", Self.otherSecret])
        #expect(wrongKey.exitCode == 1)
        #expect(wrongKey.stderr.contains("Invalid server token; caused by signature matched no configured key"))
        #expect(!wrongKey.stderr.contains(pyToken))
        #expect(!wrongKey.stderr.contains(Self.otherSecret))

        let expired = try await Python.run(
            """
            import base64, sys, jwt
            key = base64.b64decode(sys.argv[1])
            print(jwt.encode({"sub": "backstage-server", "exp": 1000}, key, algorithm="HS256"))
            """,
            [Self.secret]
        )
        let old = try await BackendProcess.run(["token", "verify", expired, "--secret", Self.secret])
        #expect(old.exitCode == 1)
        #expect(old.stderr.contains("Invalid server token; caused by expired at 1970-01-01T00:16:40Z"))
    }

    @Test("token commands read keys from --config, signing with the first and verifying with any")
    func configKeys() async throws {
        try await TemporaryDirectory.with { dir in
            let signer = try dir.write(
                "signer.yaml",
                "backend:\n  auth:\n    keys:\n      - secret: \(Self.otherSecret)\n      - secret: \(Self.secret)\n"
            )
            let verifier = try dir.write(
                "verifier.yaml", "backend:\n  auth:\n    keys:\n      - secret: \(Self.otherSecret)\n")
            let onlySecond = try dir.write(
                "second.yaml", "backend:\n  auth:\n    keys:\n      - secret: \(Self.secret)\n")
            let created = try await BackendProcess.run(["token", "create", "--config", signer])
            #expect(created.exitCode == 0, "\(created.stderr)")
            let token = created.stdout.trimmingCharacters(in: .newlines)
            let ok = try await BackendProcess.run(["token", "verify", token, "--config", verifier])
            #expect(ok.exitCode == 0, "\(ok.stderr)")
            let refused = try await BackendProcess.run(["token", "verify", token, "--config", onlySecond])
            #expect(refused.exitCode == 1)
        }
    }

    @Test("token commands take one key source (exit 2 for both); without either they read the default config files")
    func usage() async throws {
        try await TemporaryDirectory.with { dir in
            let neither = try await BackendProcess.run(["token", "create"], currentDirectory: dir.url)
            #expect(neither.exitCode == 1)
            #expect(neither.stderr.hasPrefix("app-config.yaml: config file not found in "), "\(neither.stderr)")
        }
        let both = try await BackendProcess.run(["token", "create", "--secret", Self.secret, "--config", "x.yaml"])
        #expect(both.exitCode == 2)
    }

    @Test("a secret with invalid characters is an error naming the key, never echoing the secret")
    func invalidSecret() async throws {
        try await TemporaryDirectory.with { dir in
            let file = try dir.write("bad.yaml", "backend:\n  auth:\n    keys:\n      - secret: 'not valid!'\n")
            let result = try await BackendProcess.run(["token", "create", "--config", file])
            #expect(result.exitCode == 1)
            #expect(result.stderr.contains("backend.auth.keys[0].secret"))
            #expect(!result.stderr.contains("not valid!"))
        }
    }
}
