import BackendConfig
import Testing

@testable import BackendAuth

@Suite("Choosing the token manager from config")
struct SelectionTests {
    typealias F = TokenFactory

    func config(keys: ConfigValue?) -> Config {
        var auth: [(String, ConfigValue)] = []
        if let keys { auth.append(("keys", keys)) }
        return Config(
            .object([("backend", .object([("baseUrl", .string("http://localhost:7007")), ("auth", .object(auth))]))]))
    }

    func keys(_ secrets: [String]) -> ConfigValue {
        .array(secrets.map { .object([("secret", .string($0))]) })
    }

    @Test(arguments: BackendEnvironment.allCases)
    func configuredKeysGiveAServerManager(_ environment: BackendEnvironment) async throws {
        let log = LogRecorder()
        let selection = try selectTokenManager(
            config: config(keys: keys([F.firstSecret, F.secondSecret])), logger: log.logger, environment: environment,
            clock: TestClock(F.now))
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
        let log = LogRecorder()
        let selection = try selectTokenManager(
            config: config(keys: .array([])), logger: log.logger, environment: .development)
        #expect(selection.kind == .generatedKey)
        #expect(log.warnings == ["Generated a secret for service-to-service authentication: DEVELOPMENT USE ONLY."])
        let token = try await selection.manager.getToken().token
        #expect(!token.isEmpty)
        try await selection.manager.authenticate(token)
        // A different process (another generated key) does not accept it.
        let other = try selectTokenManager(
            config: config(keys: .array([])), logger: log.logger, environment: .development)
        await #expect(throws: AuthenticationError.self) { try await other.manager.authenticate(token) }
    }

    @Test func absentKeysInDevelopmentDisableAuth() async throws {
        for config in [config(keys: nil), config(keys: .null), Config(.object([]))] {
            let log = LogRecorder()
            let selection = try selectTokenManager(config: config, logger: log.logger, environment: .development)
            #expect(selection.kind == .noop)
            #expect(selection.manager is NoopTokenManager)
            #expect(log.warnings == [serviceAuthDisabledWarning])
            #expect(log.warnings[0].contains("disabled"))
            try await selection.manager.authenticate("anything")
            #expect(try await selection.manager.getToken().token == "")
        }
    }

    @Test func productionWithoutKeysFails() {
        let message = "You must configure at least one key in backend.auth.keys for production."
        for config in [config(keys: nil), config(keys: .array([])), Config()] {
            #expect(throws: TokenManagerConfigurationError(message)) {
                try selectTokenManager(config: config, logger: LogRecorder().logger, environment: .production)
            }
            #expect(throws: TokenManagerConfigurationError(message)) {
                try ServerTokenManager.fromConfig(config, logger: LogRecorder().logger, environment: .production)
            }
        }
    }

    @Test func fromConfigGeneratesInDevelopment() throws {
        let log = LogRecorder()
        let manager = try ServerTokenManager.fromConfig(
            config(keys: nil), logger: log.logger, environment: .development)
        #expect(manager.keyCount == 1)
        #expect(log.warnings == [ServerTokenManager.generatedSecretWarning])
        let configured = try ServerTokenManager.fromConfig(
            config(keys: keys([F.firstSecret])), logger: log.logger, environment: .production)
        #expect(configured.keyNames == ["backend.auth.keys[0].secret"])
    }

    @Test(arguments: ["my secret", "secret!", "abc def!"])
    func invalidSecretsFailStartupNamingTheKey(_ secret: String) {
        do {
            _ = try selectTokenManager(
                config: config(keys: keys([F.firstSecret, secret])), logger: LogRecorder().logger,
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
        for bad in [ConfigValue.string(""), .object([]), .number(5)] {
            let keysValue = ConfigValue.array([
                .object([("secret", .string(F.firstSecret))]), bad == .object([]) ? bad : .object([("secret", bad)]),
            ])
            #expect(throws: (any Error).self) {
                try selectTokenManager(
                    config: config(keys: keysValue), logger: LogRecorder().logger, environment: .development)
            }
            do {
                _ = try selectTokenManager(
                    config: config(keys: keysValue), logger: LogRecorder().logger, environment: .development)
            } catch {
                #expect("\(error)".contains("backend.auth.keys[1].secret"), "\(error)")
            }
        }
    }

    @Test func shortSecretsWarnWithoutPrintingThem() throws {
        let log = LogRecorder()
        _ = try selectTokenManager(
            config: config(keys: keys(["my-secret-key-catalog"])), logger: log.logger, environment: .production)
        #expect(log.warnings.count == 2)
        for warning in log.warnings {
            #expect(warning.contains("backend.auth.keys[0].secret"))
            #expect(!warning.contains("my-secret-key-catalog"))
        }
    }

    @Test func fromSecretsNamesItsSources() throws {
        #expect(throws: TokenManagerConfigurationError("At least one secret is required")) {
            try ServerTokenManager.fromSecrets([], logger: LogRecorder().logger)
        }
        #expect(throws: TokenManagerConfigurationError.self) {
            try ServerTokenManager.fromSecrets([F.firstSecret, "bad secret"], logger: LogRecorder().logger)
        }
        do {
            _ = try ServerTokenManager.fromSecrets([F.firstSecret, "bad secret"], logger: LogRecorder().logger)
        } catch {
            #expect("\(error)".hasPrefix("Invalid secret at '--secret[1]': contains whitespace"))
        }
    }
}
