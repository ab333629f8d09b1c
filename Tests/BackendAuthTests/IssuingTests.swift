import BackendJSON
import InMemoryLogging
import Testing

@testable import BackendAuth

@Suite("Issuing server tokens")
struct IssuingTests {
    typealias F = TokenFactory

    func makeManager(
        clock: ManualClock, secrets: [String] = [F.firstSecret, F.secondSecret]
    ) throws -> HMACTokenManager {
        try ServerTokenManager.fromSecrets(secrets, logger: InMemoryLogHandler().logger, clock: clock)
    }

    func segments(_ token: String) throws -> [String] {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        try #require(parts.count == 3)
        return try parts.prefix(2).map { String(decoding: try Base64URL.decode($0), as: UTF8.self) } + [parts[2]]
    }

    @Test func headerAndPayloadAreExact() async throws {
        let manager = try makeManager(clock: ManualClock(F.now + 0.75))
        let token = try await manager.getToken().token
        let parts = try segments(token)
        #expect(parts[0] == #"{"alg":"HS256"}"#)
        #expect(parts[1] == #"{"sub":"backstage-server","exp":1800003600}"#)
        #expect(token.hasPrefix("eyJhbGciOiJIUzI1NiJ9."))
        #expect(!token.contains("=") && !token.contains("+") && !token.contains("/"))
        // Signed with the first key, byte for byte what an independent HMAC gives.
        #expect(token == F.token(payload: F.payload(exp: 1_800_003_600), key: F.firstKey))
        try await manager.authenticate(token)
    }

    @Test func replaysBackstagesTimeline() async throws {
        let start = F.now
        let clock = ManualClock(start)
        let manager = try makeManager(clock: clock)
        let first = try await manager.getToken()

        clock.set(start + 9 * 60)
        #expect(try await manager.getToken() == first)

        clock.set(start + 11 * 60)
        let second = try await manager.getToken()
        #expect(second != first)
        try await manager.authenticate(first.token)
        try await manager.authenticate(second.token)
        #expect(try await manager.getToken() == second)

        clock.set(start + 63 * 60)
        #expect(manager.signingCount == 2)
        do {
            try await manager.authenticate(first.token)
            Issue.record("the first token should have expired")
        } catch let error as AuthenticationError {
            #expect(error.message == "Invalid server token; caused by expired at 2027-01-15T09:00:00Z")
        }
        try await manager.authenticate(second.token)
        // Reused until exactly ten minutes after issue, then re-issued.
        clock.set(start + 11 * 60 + 599.999)
        #expect(try await manager.getToken() == second)
        clock.set(start + 21 * 60)
        #expect(try await manager.getToken() != second)
    }

    @Test func concurrentCallersShareOneSigning() async throws {
        let manager = try makeManager(clock: ManualClock(F.now))
        let tokens = try await withThrowingTaskGroup(of: ServerToken.self) { group in
            for _ in 0..<1000 {
                group.addTask { try await manager.getToken() }
            }
            var tokens: [ServerToken] = []
            for try await token in group { tokens.append(token) }
            return tokens
        }
        #expect(tokens.count == 1000)
        #expect(Set(tokens.map(\.token)).count == 1)
        #expect(manager.signingCount == 1)
    }

    @Test func tokensFromOneManagerVerifyWithAnotherSharingTheKey() async throws {
        let clock = ManualClock(F.now)
        let catalog = try makeManager(clock: clock, secrets: [F.secondSecret])
        let scaffolder = try makeManager(clock: clock, secrets: [F.firstSecret, F.secondSecret])
        let search = try makeManager(clock: clock, secrets: [F.firstSecret])
        let token = try await catalog.getToken().token
        #expect(try scaffolder.verify(token).keyIndex == 1)
        #expect(
            throws: AuthenticationError(
                invalidServerTokenReason: "signature matched no configured key", kind: .signature)
        ) {
            try search.verify(token)
        }
    }

    /// The cached path never re-signs, however often it is called (its speed is measured in Benchmarks/).
    @Test func cachedPathNeverResigns() async throws {
        let manager = try makeManager(clock: ManualClock(F.now))
        let first = manager.currentToken()
        for _ in 0..<10_000 { #expect(manager.currentToken() == first) }
        #expect(manager.signingCount == 1)
    }

    @Test func generatesRandomSecrets() throws {
        let secret = try generateSecret()
        #expect(secret.count == 44)
        #expect(secret.hasSuffix("="))
        let decoded = try ServerSecret.decode(secret, name: "generated")
        #expect(decoded.byteCount == 32)
        #expect(decoded.warnings.isEmpty)
        #expect(try generateSecret() != secret)
        #expect(try generateSecret(bytes: 64).count == 88)
        #expect(try generateSecret(bytes: 1).count == 4)
        #expect(throws: SecureRandomError.self) { try generateSecret(bytes: 0) }
        #expect(throws: SecureRandomError.self) { try generateSecret(bytes: -5) }
    }

    @Test func signTokenBypassesTheCache() throws {
        let manager = try makeManager(clock: ManualClock(F.now))
        let token = manager.signToken(expiresAt: 1_800_000_123)
        #expect(try segments(token.token)[1] == #"{"sub":"backstage-server","exp":1800000123}"#)
        #expect(manager.signingCount == 0)
    }

    @Test func noopManagerIssuesEmptyTokensAndAcceptsAnything() async throws {
        let noop = ServerTokenManager.noop()
        #expect(try await noop.getToken() == ServerToken(token: ""))
        try await noop.authenticate("")
        try await noop.authenticate("garbage")
        try await noop.authenticate(F.token(header: #"{"alg":"none"}"#))
    }
}
