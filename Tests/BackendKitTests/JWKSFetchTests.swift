import BackendAuth
import BackendConfig
import BackendJSON
import BackendTestSupport
import BackendTesting
import Foundation
import HTTPTypes
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import Testing

@testable import BackendKit
@testable import BackendRuntime

/// The key sets of `jwks` externalAccess entries fetched over HTTP (`HTTPKeySetSource`) from a real key set server on
/// 127.0.0.1: redirects leave no origin, a slow refetch holds up only the callers that need it, and failures are
/// logged once per streak. The keys and tokens come from `Tests/Fixtures/jwks_fixture.py` (`cryptography`, PyJWT).
@Suite("jwks key sets over HTTP")
struct JWKSFetchTests {
    /// The fixture's key sets and tokens.
    struct Fixture: Sendable {
        /// Keys `rsa-1`, `ec-1` (and a weak key that is left out).
        let jwksA: [UInt8]
        /// Keys `rsa-2` and `ec-1`.
        let jwksB: [UInt8]
        /// Tokens by name: `rs256` (alice, `rsa-1`), `es256` (bob), `rotated` (carol, `rsa-2`), ….
        let tokens: [String: String]

        /// Runs the fixture script.
        static func make() throws -> Fixture {
            var path = URL(fileURLWithPath: #filePath)
            for _ in 0..<2 { path.deleteLastPathComponent() }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [
                "python3", "-W", "ignore", path.appendingPathComponent("Fixtures/jwks_fixture.py").path,
            ]
            let output = Pipe()
            process.standardOutput = output
            try process.run()
            let data = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            try #require(process.terminationStatus == 0, "python3 with PyJWT and cryptography")
            let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            func bytes(_ name: String) throws -> [UInt8] {
                Array(try JSONSerialization.data(withJSONObject: try #require(object[name])))
            }
            return Fixture(
                jwksA: try bytes("jwksA"), jwksB: try bytes("jwksB"),
                tokens: try #require(object["tokens"] as? [String: String]))
        }

        /// The token named `name`.
        func token(_ name: String) -> String { tokens[name] ?? "" }
    }

    /// What a key set server answers at `/api/keys/jwks.json`, and what it was asked.
    final class KeyServer: Sendable {
        /// The answer.
        enum Answer: Sendable {
            /// 200 with this document.
            case keys([UInt8])
            /// This status and an error body.
            case status(Int)
        }

        private struct State {
            var answer: Answer
            var holding = false
            var held: [CheckedContinuation<Void, Never>] = []
            var requests: [String] = []
        }

        private let state: NIOLockedValueBox<State>

        /// A server answering `answer`.
        init(_ answer: Answer) {
            state = NIOLockedValueBox(State(answer: answer))
        }

        /// Answers `answer` from now on.
        func answer(_ answer: Answer) { state.withLockedValue { $0.answer = answer } }

        /// Holds every key set request from now on, until ``release()``.
        func hold() { state.withLockedValue { $0.holding = true } }

        /// Lets the held requests be answered, and holds no more.
        func release() {
            let held = state.withLockedValue { state in
                state.holding = false
                defer { state.held = [] }
                return state.held
            }
            for request in held { request.resume() }
        }

        /// Key set requests held now.
        var holding: Int { state.withLockedValue { $0.held.count } }

        /// The paths asked for, in order.
        var requests: [String] { state.withLockedValue { $0.requests } }

        /// The plugin `keys` serving `/jwks.json`, `/moved` (302 to `/api/keys/jwks.json`, same origin) and
        /// `/elsewhere` (302 to `elsewhere`).
        func plugin(elsewhere: @escaping @Sendable () -> String) -> TestPlugin {
            TestPlugin("keys") { routes, _ in
                routes.get("/jwks.json", access: .public) { _, _ in
                    self.state.withLockedValue { $0.requests.append("/jwks.json") }
                    await withCheckedContinuation { (request: CheckedContinuation<Void, Never>) in
                        let held = self.state.withLockedValue { state in
                            if state.holding { state.held.append(request) }
                            return state.holding
                        }
                        if !held { request.resume() }
                    }
                    switch self.state.withLockedValue({ $0.answer }) {
                    case .keys(let document):
                        return Response(
                            status: .ok, headers: [.contentType: "application/json"],
                            body: ResponseBody(byteBuffer: ByteBuffer(bytes: document)))
                    case .status(let code):
                        return Response(status: HTTPResponse.Status(code: code))
                    }
                }
                routes.get("/moved", access: .public) { _, _ in
                    self.state.withLockedValue { $0.requests.append("/moved") }
                    return Response(status: .found, headers: [.location: "/api/keys/jwks.json"])
                }
                routes.get("/elsewhere", access: .public) { _, _ in
                    self.state.withLockedValue { $0.requests.append("/elsewhere") }
                    return Response(status: .found, headers: [.location: elsewhere()])
                }
            }
        }
    }

    /// A token manager with one `jwks` entry whose key set is at `url`, logging to `logs`.
    static func manager(url: String, clock: ManualClock, logs: TestLogs) throws -> any TokenManager {
        let yaml = """
            backend:
              auth:
                keys:
                  - secret: andrcy1mZXRjaC10ZXN0LWtleS0wMTIzNDU2Nzg5YWJjZGVm
                externalAccess:
                  - type: jwks
                    options:
                      url: \(url)
                      algorithm: [RS256, ES256]
                      issuer: https://issuer.example
                      audience: backend
                      subjectPrefix: idp
            """
        return try TokenManagerPolicy.resolve(
            config: Config(try ConfigLoader.parse(yaml: yaml)), logger: logs.logger(level: .debug),
            environment: .production, clock: clock, keySetSource: HTTPKeySetSource(timeout: .seconds(120))
        ).manager
    }

    /// Why `manager` refuses `token`, or nil when it accepts it.
    static func reason(_ manager: any TokenManager, _ token: String) async -> String? {
        do {
            _ = try await manager.authenticate(token)
            return nil
        } catch {
            return "\(error)"
        }
    }

    static let noKey = "Invalid token; caused by no applicable key found in the JSON Web Key Set"
    static let retry =
        " until a fetch succeeds (it is tried again when a token names an unknown key, at most every 30 s; "
        + "further failures in a row are not logged)"

    @Test("a redirect to another origin is not followed: its keys are never fetched, and the log says why")
    func crossOriginRedirect() async throws {
        let fixture = try Fixture.make()
        let other = KeyServer(.keys(fixture.jwksA))
        try await TestHost.with(plugins: [other.plugin(elsewhere: { "" })]) { otherHost in
            let redirecting = KeyServer(.keys(fixture.jwksA))
            let target = "\(otherHost.baseURL)/api/keys/jwks.json"
            try await TestHost.with(plugins: [redirecting.plugin(elsewhere: { target })]) { host in
                let logs = TestLogs()
                let manager = try Self.manager(
                    url: "\(host.baseURL)/api/keys/elsewhere", clock: ManualClock(SystemClock().now()), logs: logs)
                #expect(await Self.reason(manager, fixture.token("rs256")) == Self.noKey)
                #expect(redirecting.requests == ["/elsewhere"])
                #expect(other.requests.isEmpty)
                #expect(
                    logs.entries.filter { $0.level == .warning }.map(\.message.description) == [
                        "Could not fetch the JSON Web Key Set of backend.auth.externalAccess[0] (\(host.baseURL)): The key "
                            + "set answered 302 with a redirect to another origin (\(otherHost.baseURL)), which is not "
                            + "followed; configure the URL the key set is served at; tokens of this entry are refused"
                            + Self.retry
                    ])

                // Within the origin, a redirect is followed.
                let sameOrigin = try Self.manager(
                    url: "\(host.baseURL)/api/keys/moved", clock: ManualClock(SystemClock().now()), logs: TestLogs())
                #expect(try await sameOrigin.authenticate(fixture.token("rs256")).subject == "external:idp:alice")
                #expect(redirecting.requests == ["/elsewhere", "/moved", "/jwks.json"])
                #expect(other.requests.isEmpty)
            }
        }
    }

    @Test("which redirects are followed: within the origin only, never from https to http")
    func redirectTargets() throws {
        let from = "https://idp.example/keys/jwks.json?x=1"
        #expect(
            try HTTPKeySetSource.redirectTarget(from: from, location: "/v2/jwks.json", status: 301)
                == "https://idp.example/v2/jwks.json")
        #expect(
            try HTTPKeySetSource.redirectTarget(from: from, location: "https://IDP.example:443/v2", status: 308)
                == "https://IDP.example:443/v2")
        #expect(
            try HTTPKeySetSource.redirectTarget(
                from: "http://idp.example:80/a", location: "http://idp.example/b", status: 307)
                == "http://idp.example/b")
        let refused: [(String, String)] = [
            (
                "http://idp.example/keys",
                "The key set answered 302 with a redirect from https to http (http://idp.example), which is never followed"
            ),
            (
                "https://user:password@other.example/keys",
                "The key set answered 302 with a redirect to another origin (https://other.example), which is not "
                    + "followed; configure the URL the key set is served at"
            ),
            (
                "https://idp.example:8443/keys",
                "The key set answered 302 with a redirect to another origin (https://idp.example:8443), which is not "
                    + "followed; configure the URL the key set is served at"
            ),
            ("ftp://idp.example/keys", "The key set answered 302 with no usable Location"),
        ]
        for (location, message) in refused {
            #expect(throws: HTTPKeySetSource.FetchError(description: message)) {
                try HTTPKeySetSource.redirectTarget(from: from, location: location, status: 302)
            }
        }
        #expect(throws: HTTPKeySetSource.FetchError(description: "The key set answered 302 with no usable Location")) {
            try HTTPKeySetSource.redirectTarget(from: from, location: nil, status: 302)
        }
    }

    @Test("a slow refetch holds up only the caller whose kid is unknown; cached kids are answered meanwhile")
    func slowRefetch() async throws {
        let fixture = try Fixture.make()
        let keys = KeyServer(.keys(fixture.jwksA))
        try await TestHost.with(plugins: [keys.plugin(elsewhere: { "" })]) { host in
            defer { keys.release() }
            let clock = ManualClock(SystemClock().now())
            let manager = try Self.manager(url: "\(host.baseURL)/api/keys/jwks.json", clock: clock, logs: TestLogs())
            #expect(try await manager.authenticate(fixture.token("rs256")).subject == "external:idp:alice")

            // The issuer rotates rsa-2 in; the key set server then takes its time.
            keys.answer(.keys(fixture.jwksB))
            keys.hold()
            clock.advance(by: .seconds(31))
            let rotated = Task { try await manager.authenticate(fixture.token("rotated")).subject }
            #expect(await eventually { keys.holding == 1 })

            // Callers whose kid is cached are answered while the refetch is held. A hang guard releases it after
            // 60 s (the fetch's own deadline is 120 s), so a regression fails instead of hanging.
            let answeredWhileHeld = try await withThrowingTaskGroup(of: Bool.self) { group in
                group.addTask { () async throws -> Bool in
                    for _ in 0..<5 {
                        #expect(try await manager.authenticate(fixture.token("rs256")).subject == "external:idp:alice")
                    }
                    #expect(try await manager.authenticate(fixture.token("es256")).subject == "external:idp:bob")
                    return keys.holding == 1
                }
                group.addTask {
                    try? await Task.sleep(for: .seconds(60))
                    keys.release()
                    return false
                }
                let first = try await group.next() ?? false
                group.cancelAll()
                return first
            }
            #expect(answeredWhileHeld)

            keys.release()
            #expect(try await rotated.value == "external:idp:carol")
            #expect(await Self.reason(manager, fixture.token("rs256")) == Self.noKey)
            #expect(keys.requests == ["/jwks.json", "/jwks.json"])
        }
    }

    @Test("fetch failures are logged once per streak, the recovery once, and never a token")
    func failureStreaks() async throws {
        let fixture = try Fixture.make()
        let keys = KeyServer(.status(503))
        try await TestHost.with(plugins: [keys.plugin(elsewhere: { "" })]) { host in
            let clock = ManualClock(SystemClock().now())
            let logs = TestLogs()
            let manager = try Self.manager(url: "\(host.baseURL)/api/keys/jwks.json", clock: clock, logs: logs)
            let entry = "backend.auth.externalAccess[0] (\(host.baseURL))"
            for _ in 0..<3 {
                #expect(await Self.reason(manager, fixture.token("rs256")) == Self.noKey)
                clock.advance(by: .seconds(31))
            }
            #expect(keys.requests.count == 3)
            let first =
                "Could not fetch the JSON Web Key Set of \(entry): The key set answered 503; tokens of this entry are "
                + "refused" + Self.retry
            #expect(logs.entries.filter { $0.level == .warning }.map(\.message.description) == [first])

            keys.answer(.keys(fixture.jwksA))
            #expect(try await manager.authenticate(fixture.token("rs256")).subject == "external:idp:alice")
            #expect(
                logs.entries.filter { $0.level == .info }.map(\.message.description) == [
                    "Fetched the JSON Web Key Set of \(entry) again after 3 failed attempts: 2 keys"
                ])

            // A new streak: one more warning, and the cached keys keep serving.
            keys.answer(.status(500))
            for _ in 0..<2 {
                clock.advance(by: .seconds(31))
                #expect(await Self.reason(manager, fixture.token("rotated")) == Self.noKey)
            }
            #expect(try await manager.authenticate(fixture.token("es256")).subject == "external:idp:bob")
            #expect(keys.requests.count == 6)
            #expect(
                logs.entries.filter { $0.level == .warning }.map(\.message.description) == [
                    first,
                    "Could not fetch the JSON Web Key Set of \(entry): The key set answered 500; the 2 keys fetched "
                        + "before are still used" + Self.retry,
                ])
            for entry in logs.entries {
                for token in fixture.tokens.values {
                    #expect(
                        !entry.message.description.contains(token)
                            && !entry.metadata.values.contains { $0.description.contains(token) })
                }
            }
        }
    }
}
