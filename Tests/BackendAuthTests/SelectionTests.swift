import BackendConfig
import BackendJSON
import InMemoryLogging
import Testing

@testable import BackendAuth

@Suite("Choosing the token manager from config")
struct SelectionTests {
    typealias F = TokenFactory

    func config(keys: JSONValue?) -> Config {
        var auth: [(String, JSONValue)] = []
        if let keys { auth.append(("keys", keys)) }
        return Config(
            .object([
                "backend": .object(["baseUrl": .string("http://localhost:7007"), "auth": .object(JSONObject(auth))])
            ]))
    }

    func keys(_ secrets: [String]) -> JSONValue {
        .array(secrets.map { .object(["secret": .string($0)]) })
    }

    @Test(arguments: BackendEnvironment.allCases)
    func configuredKeysGiveAServerManager(_ environment: BackendEnvironment) async throws {
        let log = InMemoryLogHandler()
        let selection = try TokenManagerPolicy.resolve(
            config: config(keys: keys([F.firstSecret, F.secondSecret])), logger: log.logger, environment: environment,
            clock: ManualClock(F.now))
        #expect(selection.kind == .configuredKeys(count: 2))
        #expect(selection.kind.description == "server (2 keys)")
        let manager = try #require(selection.manager as? HMACTokenManager)
        #expect(manager.keyNames == ["backend.auth.keys[0].secret", "backend.auth.keys[1].secret"])
        let token = try await manager.getToken().token
        #expect(token == F.token(payload: F.payload(exp: F.now + 3600), key: F.firstKey))
        try await manager.authenticate(F.token(key: F.secondKey))
        #expect(log.warnings.isEmpty)
    }

    @Test func emptyKeysInDevelopmentGenerateAKey() async throws {
        let log = InMemoryLogHandler()
        let selection = try TokenManagerPolicy.resolve(
            config: config(keys: .array([])), logger: log.logger, environment: .development)
        #expect(selection.kind == .generatedKey)
        #expect(log.warnings == ["Generated a secret for service-to-service authentication: DEVELOPMENT USE ONLY."])
        let token = try await selection.manager.getToken().token
        #expect(!token.isEmpty)
        try await selection.manager.authenticate(token)
        // A different process (another generated key) does not accept it.
        let other = try TokenManagerPolicy.resolve(
            config: config(keys: .array([])), logger: log.logger, environment: .development)
        await #expect(throws: AuthenticationError.self) { try await other.manager.authenticate(token) }
    }

    @Test func absentKeysInDevelopmentDisableAuth() async throws {
        let withoutAuth = Config(.object(["backend": .object(["baseUrl": .string("http://localhost:7007")])]))
        for config in [withoutAuth, Config(.object(["backend": .object(["auth": .null])])), Config(.object([:]))] {
            let log = InMemoryLogHandler()
            let selection = try TokenManagerPolicy.resolve(
                config: config, logger: log.logger, environment: .development)
            #expect(selection.kind == .noop)
            #expect(selection.manager is NoopTokenManager)
            #expect(log.warnings == [TokenManagerPolicy.serviceAuthDisabledWarning])
            #expect(log.warnings[0].contains("disabled"))
            try await selection.manager.authenticate("anything")
            #expect(try await selection.manager.getToken().token == "")
        }
    }

    @Test func productionWithoutKeysFails() {
        let message = "You must configure at least one key in backend.auth.keys for production."
        for config in [config(keys: nil), config(keys: .array([])), Config()] {
            #expect(throws: TokenManagerConfigurationError(message)) {
                try TokenManagerPolicy.resolve(
                    config: config, logger: InMemoryLogHandler().logger, environment: .production)
            }
            #expect(TokenManagerPolicy.problems(in: config, environment: .production) == [message])
        }
    }

    /// A `backend.auth` that is there but lists neither keys nor externalAccess entries would turn auth off without
    /// a word (a typo such as `keyz`, or an emptied section): it is refused in development too.
    @Test func presentAuthWithoutCallersFails() {
        let message =
            "backend.auth in <memory> configures no keys and no externalAccess entries, so it would turn "
            + "service-to-service auth off: list secrets under backend.auth.keys (an empty list generates a key in "
            + "development) or callers under backend.auth.externalAccess, or remove backend.auth to run without auth "
            + "(development only)"
        let emptyExternalAccess = Config(.object(["backend": .object(["auth": .object(["externalAccess": []])])]))
        for config in [config(keys: nil), config(keys: .null), emptyExternalAccess] {
            #expect(throws: TokenManagerConfigurationError(message)) {
                try TokenManagerPolicy.resolve(
                    config: config, logger: InMemoryLogHandler().logger, environment: .development)
            }
            #expect(TokenManagerPolicy.problems(in: config, environment: .development) == [message])
        }
    }

    /// `config check` and the host read the same table: no problems where the host starts, each bad secret
    /// reported on its own where it does not.
    @Test func problemsAgreeWithResolve() throws {
        #expect(TokenManagerPolicy.problems(in: Config(.object([:])), environment: .development) == [])
        #expect(TokenManagerPolicy.problems(in: config(keys: .array([])), environment: .development) == [])
        let configured = try #require(
            try TokenManagerPolicy.resolve(
                config: config(keys: keys([F.firstSecret])), logger: InMemoryLogHandler().logger,
                environment: .production
            ).serverManager)
        #expect(configured.keyNames == ["backend.auth.keys[0].secret"])
        let problems = TokenManagerPolicy.problems(
            in: config(keys: keys(["bad secret", F.firstSecret, "bad!"])), environment: .production)
        #expect(problems.count == 2)
        #expect(problems[0].hasPrefix("Invalid secret at 'backend.auth.keys[0].secret': "))
        #expect(problems[1].hasPrefix("Invalid secret at 'backend.auth.keys[2].secret': "))
    }

    @Test(arguments: ["my secret", "secret!", "abc def!"])
    func invalidSecretsFailStartupNamingTheKey(_ secret: String) {
        do {
            _ = try TokenManagerPolicy.resolve(
                config: config(keys: keys([F.firstSecret, secret])), logger: InMemoryLogHandler().logger,
                environment: .development)
            Issue.record("accepted an invalid secret")
        } catch {
            let message = "\(error)"
            #expect(message.hasPrefix("Invalid secret at 'backend.auth.keys[1].secret': "))
            #expect(!message.contains(secret))
            #expect(!message.contains(F.firstSecret))
        }
    }

    @Test func emptyOrMissingSecretsFail() {
        for bad in [JSONValue.string(""), .object([:]), .number(5)] {
            let keysValue = JSONValue.array([
                .object(["secret": .string(F.firstSecret)]), bad == .object([:]) ? bad : .object(["secret": bad]),
            ])
            #expect(throws: (any Error).self) {
                try TokenManagerPolicy.resolve(
                    config: config(keys: keysValue), logger: InMemoryLogHandler().logger, environment: .development)
            }
            do {
                _ = try TokenManagerPolicy.resolve(
                    config: config(keys: keysValue), logger: InMemoryLogHandler().logger, environment: .development)
            } catch {
                #expect("\(error)".contains("backend.auth.keys[1].secret"), "\(error)")
            }
        }
    }

    @Test func shortSecretsWarnWithoutPrintingThem() throws {
        let log = InMemoryLogHandler()
        _ = try TokenManagerPolicy.resolve(
            config: config(keys: keys(["my-secret-key-catalog"])), logger: log.logger, environment: .production)
        #expect(log.warnings.count == 2)
        for warning in log.warnings {
            #expect(warning.contains("backend.auth.keys[0].secret"))
            #expect(!warning.contains("my-secret-key-catalog"))
        }
    }

    @Test func fromSecretsNamesItsSources() throws {
        #expect(throws: TokenManagerConfigurationError("At least one secret is required")) {
            try ServerTokenManager.fromSecrets([], logger: InMemoryLogHandler().logger)
        }
        #expect(throws: TokenManagerConfigurationError.self) {
            try ServerTokenManager.fromSecrets([F.firstSecret, "bad secret"], logger: InMemoryLogHandler().logger)
        }
        do {
            _ = try ServerTokenManager.fromSecrets([F.firstSecret, "bad secret"], logger: InMemoryLogHandler().logger)
        } catch {
            #expect("\(error)".hasPrefix("Invalid secret at '--secret[1]': contains whitespace"))
        }
    }
}
