import BackendTestSupport
import Foundation
import NIOHTTP1
import Testing

/// The key rotation recipe of docs/auth.md, against live servers: prepend the new key, roll out, then drop the old one.
@Suite("key rotation")
struct KeyRotationTests {
    static let oldSecret = "b2xkLWtleS1vbGQta2V5LW9sZC1rZXktb2xkLWtleS0="
    static let newSecret = "bmV3LWtleS1uZXcta2V5LW5ldy1rZXktbmV3LWtleS0="

    static func config(_ secrets: [String]) -> String {
        "backend:\n  listen: {host: 127.0.0.1, port: 0}\n  auth:\n    keys:\n"
            + secrets.map { "      - secret: \($0)\n" }.joined()
    }

    @Test("old tokens work while the old key is listed, fail once it is removed; the new key signs once first")
    func rotation() async throws {
        try await TemporaryDirectory.with { dir in
            let before = try dir.write("before.yaml", Self.config([Self.oldSecret]))
            let during = try dir.write("during.yaml", Self.config([Self.newSecret, Self.oldSecret]))
            let after = try dir.write("after.yaml", Self.config([Self.newSecret]))

            let oldToken = try await BackendProcess.run(["token", "create", "--config", before])
                .stdout.trimmingCharacters(in: .newlines)
            let duringToken = try await BackendProcess.run(["token", "create", "--config", during])
                .stdout.trimmingCharacters(in: .newlines)

            // The new key signs from the moment it is first in the list.
            let signedWithNew = try await BackendProcess.run([
                "token", "verify", duringToken, "--secret", Self.newSecret,
            ])
            #expect(signedWithNew.exitCode == 0, "\(signedWithNew.stderr)")
            let signedWithOld = try await BackendProcess.run([
                "token", "verify", duringToken, "--secret", Self.oldSecret,
            ])
            #expect(signedWithOld.exitCode == 1)

            // During the rollout both keys verify: old tokens still work.
            try await BackendProcess.withServer(arguments: ["run", "--config", during, "--plugins", "catalog"]) {
                _, port in
                let url = "http://127.0.0.1:\(port)/api/catalog/entities"
                let old = try await HTTP.send(.GET, url, token: oldToken)
                let new = try await HTTP.send(.GET, url, token: duringToken)
                #expect(old.status == 200)
                #expect(new.status == 200)
            }
            // After the old key is dropped, its tokens are refused with the specific reason.
            try await BackendProcess.withServer(arguments: ["run", "--config", after, "--plugins", "catalog"]) {
                _, port in
                let url = "http://127.0.0.1:\(port)/api/catalog/entities"
                let refused = try await HTTP.send(.GET, url, token: oldToken)
                #expect(refused.status == 401)
                #expect(refused.body.contains("Invalid server token; caused by signature matched no configured key"))
                let accepted = try await HTTP.send(.GET, url, token: duringToken)
                #expect(accepted.status == 200)
            }
        }
    }
}
