import BackendConfig
import BackendJSON
import Foundation
import InMemoryLogging
import Logging
import NIOConcurrencyHelpers
import Testing

@testable import BackendAuth

/// Key sets and tokens from `Tests/Fixtures/jwks_fixture.py` (`cryptography` and PyJWT).
struct JWKSFixture: Sendable {
    let jwksA: [UInt8]
    let jwksB: [UInt8]
    let tokens: [String: String]

    static func make() throws -> JWKSFixture {
        var path = URL(fileURLWithPath: #filePath)
        for _ in 0..<2 { path.deleteLastPathComponent() }
        let script = path.appendingPathComponent("Fixtures/jwks_fixture.py").path
        let output = try #require(
            runOracle("python3", ["-W", "ignore", script]), "python3 with PyJWT and cryptography")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
        func bytes(_ name: String) throws -> [UInt8] {
            Array(try JSONSerialization.data(withJSONObject: try #require(object[name])))
        }
        return JWKSFixture(
            jwksA: try bytes("jwksA"), jwksB: try bytes("jwksB"),
            tokens: try #require(object["tokens"] as? [String: String]))
    }

    func token(_ name: String) -> String { tokens[name] ?? "" }
}

/// A key set source serving whatever document it is given, counting fetches.
final class FakeKeySetSource: JSONWebKeySetSource {
    private let state: NIOLockedValueBox<(document: [UInt8], fetches: Int)>

    init(_ document: [UInt8]) {
        state = NIOLockedValueBox((document, 0))
    }

    func serve(_ document: [UInt8]) { state.withLockedValue { $0.document = document } }

    var fetches: Int { state.withLockedValue { $0.fetches } }

    func fetchKeySet(from url: String) async throws -> [UInt8] {
        state.withLockedValue { state in
            state.fetches += 1
            return state.document
        }
    }
}

/// A key set source that can fail, or hold its fetches until released, counting fetches.
final class ControlledKeySetSource: JSONWebKeySetSource {
    private struct State {
        var document: [UInt8]
        var failure: String?
        var holding = false
        var held: [CheckedContinuation<Void, Never>] = []
        var fetches = 0
    }

    /// A failure the source throws.
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    private let state: NIOLockedValueBox<State>

    init(_ document: [UInt8]) {
        state = NIOLockedValueBox(State(document: document))
    }

    /// Serves `document` from now on.
    func serve(_ document: [UInt8]) {
        state.withLockedValue {
            $0.document = document; $0.failure = nil
        }
    }

    /// Fails every fetch with `reason` from now on.
    func fail(_ reason: String) { state.withLockedValue { $0.failure = reason } }

    /// Holds every fetch from now on, until ``release()``.
    func hold() { state.withLockedValue { $0.holding = true } }

    /// Lets the held fetches go on, and holds no more.
    func release() {
        let held = state.withLockedValue { state in
            state.holding = false
            defer { state.held = [] }
            return state.held
        }
        for fetch in held { fetch.resume() }
    }

    var fetches: Int { state.withLockedValue { $0.fetches } }

    /// Fetches that are held now.
    var holding: Int { state.withLockedValue { $0.held.count } }

    func fetchKeySet(from url: String) async throws -> [UInt8] {
        state.withLockedValue { $0.fetches += 1 }
        await withCheckedContinuation { (fetch: CheckedContinuation<Void, Never>) in
            let held = state.withLockedValue { state in
                if state.holding { state.held.append(fetch) }
                return state.holding
            }
            if !held { fetch.resume() }
        }
        let (document, failure) = state.withLockedValue { ($0.document, $0.failure) }
        if let failure { throw Failure(description: failure) }
        return document
    }
}

@Suite("jwks externalAccess entries")
struct JWKSTests {
    static let entry = """
              - type: jwks
                options:
                  url: https://keys.example/.well-known/jwks.json
                  algorithm: [RS256, ES256, PS256]
                  issuer: https://issuer.example
                  audience: backend, other
                  subjectPrefix: idp
                accessRestrictions: [{plugin: catalog}]
        """

    static func manager(
        _ source: (any JSONWebKeySetSource)?, clock: ManualClock, entry: String = entry
    ) throws -> any TokenManager {
        let config = try ExternalAccessTests.config(entry)
        return try TokenManagerPolicy.resolve(
            config: config, logger: InMemoryLogHandler().logger, environment: .production, clock: clock,
            keySetSource: source
        ).manager
    }

    static func reason(_ manager: any TokenManager, _ token: String) async -> String? {
        do {
            _ = try await manager.authenticate(token)
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test func rs256ES256AndPS256TokensIdentifyThePrefixedSubject() async throws {
        let fixture = try JWKSFixture.make()
        let source = FakeKeySetSource(fixture.jwksA)
        let manager = try Self.manager(source, clock: ManualClock(Date().timeIntervalSince1970))
        let alice = try await manager.authenticate(fixture.token("rs256"))
        #expect(alice.subject == "external:idp:alice")
        #expect(alice.accessRestrictions?.pluginIds == ["catalog"])
        #expect(try await manager.authenticate(fixture.token("es256")).subject == "external:idp:bob")
        #expect(try await manager.authenticate(fixture.token("ps256")).subject == "external:idp:alice")
        #expect(try await manager.authenticate(fixture.token("listedAudience")).subject == "external:idp:alice")
        // The key set was fetched once and cached.
        #expect(source.fetches == 1)
        // The keys' own tokens still work next to the jwks entry.
        #expect(try await manager.authenticate(manager.getToken().token) == .backstagePlugin)
    }

    @Test func claimsThatFailAreNamed() async throws {
        let fixture = try JWKSFixture.make()
        let manager = try Self.manager(
            FakeKeySetSource(fixture.jwksA), clock: ManualClock(Date().timeIntervalSince1970))
        let expected: [(String, String)] = [
            ("wrongIssuer", #"Invalid token; caused by unexpected "iss" claim value"#),
            ("wrongAudience", #"Invalid token; caused by unexpected "aud" claim value"#),
            ("noSubject", #"Invalid token; caused by missing required "sub" claim"#),
            ("expired", #"Invalid token; caused by "exp" claim timestamp check failed"#),
            ("forged", "Invalid token; caused by signature verification failed"),
            ("weak", "Invalid token; caused by no applicable key found in the JSON Web Key Set"),
        ]
        for (name, message) in expected {
            #expect(await Self.reason(manager, fixture.token(name)) == message, "\(name)")
        }
    }

    @Test func anUnknownKidRefetchesAtMostOncePer30Seconds() async throws {
        let fixture = try JWKSFixture.make()
        let source = FakeKeySetSource(fixture.jwksA)
        let clock = ManualClock(Date().timeIntervalSince1970)
        let manager = try Self.manager(source, clock: clock)
        #expect(try await manager.authenticate(fixture.token("rs256")).subject == "external:idp:alice")
        #expect(source.fetches == 1)

        // The issuer rotates rsa-1 out and rsa-2 in; the first rsa-2 token comes within 30 s of the last fetch.
        source.serve(fixture.jwksB)
        clock.advance(by: .seconds(10))
        let unknown = "Invalid token; caused by no applicable key found in the JSON Web Key Set"
        #expect(await Self.reason(manager, fixture.token("rotated")) == unknown)
        #expect(await Self.reason(manager, fixture.token("rotated")) == unknown)
        #expect(source.fetches == 1)

        clock.advance(by: .seconds(21))
        #expect(try await manager.authenticate(fixture.token("rotated")).subject == "external:idp:carol")
        #expect(source.fetches == 2)
        #expect(try await manager.authenticate(fixture.token("es256")).subject == "external:idp:bob")
        // rsa-1 is gone now, and asking again within 30 s does not fetch.
        #expect(await Self.reason(manager, fixture.token("rs256")) == unknown)
        #expect(source.fetches == 2)
    }

    @Test func concurrentFirstTokensShareOneFetch() async throws {
        let fixture = try JWKSFixture.make()
        let source = FakeKeySetSource(fixture.jwksA)
        let manager = try Self.manager(source, clock: ManualClock(Date().timeIntervalSince1970))
        let token = fixture.token("rs256")
        let subjects = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<20 { group.addTask { try await manager.authenticate(token).subject } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(subjects == Array(repeating: "external:idp:alice", count: 20))
        #expect(source.fetches == 1)
    }

    @Test func aCachedKidIsAnsweredWhileARefetchIsHeld() async throws {
        let fixture = try JWKSFixture.make()
        let source = ControlledKeySetSource(fixture.jwksA)
        let clock = ManualClock(Date().timeIntervalSince1970)
        let manager = try Self.manager(source, clock: clock)
        #expect(try await manager.authenticate(fixture.token("rs256")).subject == "external:idp:alice")

        // A token with a kid the set lacks starts a refetch, which the key set server holds.
        source.hold()
        source.serve(fixture.jwksB)
        clock.advance(by: .seconds(31))
        let rotated = Task { try await manager.authenticate(fixture.token("rotated")).subject }
        while source.holding == 0 { await Task.yield() }

        // Callers whose kid is cached are answered meanwhile; the fetch is still held when they are. A hang guard
        // releases it after 60 s, so that a regression fails instead of hanging.
        let answeredWhileHeld = try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask { () async throws -> Bool in
                for _ in 0..<5 {
                    #expect(try await manager.authenticate(fixture.token("rs256")).subject == "external:idp:alice")
                }
                #expect(try await manager.authenticate(fixture.token("es256")).subject == "external:idp:bob")
                return source.holding == 1
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(60))
                source.release()
                return false
            }
            let first = try await group.next() ?? false
            group.cancelAll()
            return first
        }
        #expect(answeredWhileHeld)
        #expect(source.fetches == 2)

        // The held caller gets the refetched set; rsa-1 is gone from it.
        source.release()
        #expect(try await rotated.value == "external:idp:carol")
        let unknown = "Invalid token; caused by no applicable key found in the JSON Web Key Set"
        #expect(await Self.reason(manager, fixture.token("rs256")) == unknown)
        #expect(source.fetches == 2)
    }

    @Test func fetchFailuresAreLoggedOncePerStreakAndTheRecoveryOnce() async throws {
        let fixture = try JWKSFixture.make()
        let source = ControlledKeySetSource(fixture.jwksA)
        source.fail("The key set answered 503")
        let clock = ManualClock(Date().timeIntervalSince1970)
        let logs = InMemoryLogHandler()
        let config = try ExternalAccessTests.config(Self.entry)
        let manager = try TokenManagerPolicy.resolve(
            config: config, logger: logs.logger, environment: .production, clock: clock, keySetSource: source
        ).manager
        let unknown = "Invalid token; caused by no applicable key found in the JSON Web Key Set"
        let suffix =
            " until a fetch succeeds (it is tried again when a token names an unknown key, at most every 30 s; "
            + "further failures in a row are not logged)"
        let entry = "backend.auth.externalAccess[0] (https://keys.example)"

        // Three failed fetches in a row: one warning.
        for _ in 0..<3 {
            #expect(await Self.reason(manager, fixture.token("rs256")) == unknown)
            clock.advance(by: .seconds(31))
        }
        #expect(source.fetches == 3)
        let first =
            "Could not fetch the JSON Web Key Set of \(entry): The key set answered 503; tokens of this entry are "
            + "refused" + suffix
        #expect(logs.warnings == [first])

        // The next fetch succeeds: one recovery line.
        source.serve(fixture.jwksA)
        #expect(try await manager.authenticate(fixture.token("rs256")).subject == "external:idp:alice")
        #expect(source.fetches == 4)
        #expect(
            logs.entries.filter { $0.level == .info }.map(\.message.description) == [
                "Fetched the JSON Web Key Set of \(entry) again after 3 failed attempts: 2 keys"
            ])

        // A new streak gets a new warning; the cached keys still serve.
        source.fail("The key set answered 500")
        clock.advance(by: .seconds(31))
        #expect(await Self.reason(manager, fixture.token("rotated")) == unknown)
        clock.advance(by: .seconds(31))
        #expect(await Self.reason(manager, fixture.token("rotated")) == unknown)
        #expect(try await manager.authenticate(fixture.token("rs256")).subject == "external:idp:alice")
        #expect(source.fetches == 6)
        #expect(
            logs.warnings == [
                first,
                "Could not fetch the JSON Web Key Set of \(entry): The key set answered 500; the 2 keys fetched "
                    + "before are still used" + suffix,
            ])
        for message in logs.entries.map(\.message.description) {
            for token in fixture.tokens.values { #expect(!message.contains(token)) }
        }
    }

    @Test func algorithmsNotConfiguredAreRefused() async throws {
        let fixture = try JWKSFixture.make()
        let entry = "      - type: jwks\n        options: {url: 'http://127.0.0.1:1/jwks'}\n"
        let manager = try Self.manager(FakeKeySetSource(fixture.jwksA), clock: ManualClock(0), entry: entry)
        #expect(
            await Self.reason(manager, fixture.token("es256"))
                == #"Invalid token; caused by "alg" (Algorithm) Header Parameter value not allowed"#)
        // RS256 is the default; without issuer and audience any are accepted (the clock is at 0: not expired).
        #expect(try await manager.authenticate(fixture.token("wrongIssuer")).subject == "external:alice")
    }

    static let invalid: [(String, String)] = [
        (
            "      - type: jwks\n        options: {algorithm: RS256}\n",
            "Missing required config value at 'backend.auth.externalAccess[0].options.url'"
        ),
        (
            "      - type: jwks\n        options: {url: 'ftp://keys.example/jwks'}\n",
            "Illegal URL, must be an http or https URL (at 'backend.auth.externalAccess[0].options.url')"
        ),
        (
            "      - type: jwks\n        options: {url: 'https://keys.example/jwks', algorithm: HS256}\n",
            "Illegal algorithm 'HS256', expected one of 'RS256', 'ES256', 'PS256' "
                + "(at 'backend.auth.externalAccess[0].options.algorithm')"
        ),
        (
            "      - type: jwks\n        options: {url: 'https://keys.example/jwks', subjectPrefix: 'a b'}\n",
            "Illegal subjectPrefix, must be a set of non-space characters "
                + "(at 'backend.auth.externalAccess[0].options.subjectPrefix')"
        ),
    ]

    @Test(arguments: invalid)
    func invalidEntries(_ entry: String, _ message: String) throws {
        let config = try ExternalAccessTests.config(entry)
        #expect(TokenManagerPolicy.problems(in: config, environment: .production) == [message])
    }
}
