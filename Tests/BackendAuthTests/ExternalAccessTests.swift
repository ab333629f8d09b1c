import BackendConfig
import InMemoryLogging
import Testing

@testable import BackendAuth

@Suite("backend.auth.externalAccess")
struct ExternalAccessTests {
    static let keySecret = "a2V5cy1zZWNyZXQtZm9yLXRoZS1leHRlcm5hbC1hY2Nlc3MtdGVzdHM="
    static let legacySecret = "bGVnYWN5LXNlY3JldC1mb3ItdGhlLWV4dGVybmFsLWFjY2Vzcy10ZXN0cw=="

    static func config(_ externalAccess: String, keys: Bool = true) throws -> Config {
        let keyLines = keys ? "    keys:\n      - secret: \(keySecret)\n" : ""
        return Config(
            try ConfigLoader.parse(yaml: "backend:\n  auth:\n\(keyLines)    externalAccess:\n\(externalAccess)"))
    }

    static let valid = """
              - type: static
                options: {token: static-token-0123, subject: ci-bot}
                accessRestrictions: [{plugin: catalog}, {plugin: search}]
              - type: legacy
                options: {secret: \(legacySecret), subject: scaffolder}
        """

    static func resolve(
        _ config: Config, _ environment: BackendEnvironment = .production
    ) throws
        -> TokenManagerSelection
    {
        try TokenManagerPolicy.resolve(config: config, logger: InMemoryLogHandler().logger, environment: environment)
    }

    @Test func staticLegacyAndKeyCallersHaveTheirSubjects() async throws {
        let selection = try Self.resolve(try Self.config(Self.valid))
        #expect(selection.summary == "server (1 key) + 2 externalAccess entries")
        let manager = selection.manager
        let ci = try await manager.authenticate("static-token-0123")
        #expect(ci.subject == "ci-bot")
        #expect(ci.accessRestrictions?.pluginIds == ["catalog", "search"])
        #expect(ci.mayAccess(pluginId: "catalog") && !ci.mayAccess(pluginId: "scaffolder"))
        #expect(
            ci.accessRestrictions?.deniedMessage == "This token's access is restricted to plugin(s) 'catalog', 'search'"
        )

        let legacySigner = try ServerTokenManager.fromSecrets([Self.legacySecret], logger: InMemoryLogHandler().logger)
        let scaffolder = try await manager.authenticate(legacySigner.currentToken().token)
        #expect(scaffolder == ServicePrincipal(subject: "scaffolder"))
        #expect(scaffolder.mayAccess(pluginId: "anything"))

        let own = try await manager.authenticate(manager.getToken().token)
        #expect(own == .backstagePlugin)

        // A token nothing accepts gets the server token reason, naming neither token.
        await #expect(
            throws: AuthenticationError(
                invalidServerTokenReason: "token is not three base64url segments (found 1)", kind: .malformed)
        ) {
            try await manager.authenticate("static-token-0124")
        }
    }

    @Test func onlyLegacyEntriesNeedNoWrapper() async throws {
        let selection = try Self.resolve(
            try Self.config("      - type: legacy\n        options: {secret: \(Self.legacySecret), subject: s}\n"))
        #expect(selection.manager is HMACTokenManager)
        #expect(selection.serverManager?.keyCount == 1)
    }

    @Test func externalAccessWithoutKeysGeneratesASigningKeyInDevelopment() async throws {
        let config = try Self.config(Self.valid, keys: false)
        let selection = try Self.resolve(config, .development)
        #expect(selection.kind == .generatedKey)
        #expect(try await selection.manager.authenticate("static-token-0123").subject == "ci-bot")
        // In production the entries alone turn auth on with no shared key: calls carry plugin tokens, and asking for
        // a legacy server token fails.
        let production = try Self.resolve(config)
        #expect(production.kind == .noSharedKey)
        #expect(production.serverManager == nil)
        #expect(try await production.manager.authenticate("static-token-0123").subject == "ci-bot")
        await #expect(throws: TokenManagerConfigurationError.noKeysToSign) {
            try await production.manager.getToken()
        }
    }

    @Test func staticTokensAreKeptOnlyAsDigests() throws {
        let settings = try ExternalAccessSettings.fromConfig(try Self.config(Self.valid))
        let set = settings.staticTokens
        #expect(set.entries.count == 1)
        #expect(set.entries[0].digest == SHA256Digest.hash("static-token-0123"))
        #expect(!String(reflecting: settings).contains("static-token-0123"))
        // Every entry is compared; the first match wins.
        #expect(set.principal(for: "static-token-0123")?.subject == "ci-bot")
        #expect(set.principal(for: "static-token-012") == nil)
        #expect(set.principal(for: "") == nil)
    }

    /// Each invalid entry and the message it stops startup with (`config check` lists the same).
    static let invalidEntries: [(String, String)] = [
        (
            "      - type: static\n        options: {token: short, subject: ci}\n",
            "Illegal token, must be at least 8 characters length (at 'backend.auth.externalAccess[0].options.token')"
        ),
        (
            "      - type: static\n        options: {token: 'has a space', subject: ci}\n",
            "Illegal token, must be a set of non-space characters (at 'backend.auth.externalAccess[0].options.token')"
        ),
        (
            "      - type: static\n        options: {token: long-enough-token, subject: 'c i'}\n",
            "Illegal subject, must be a set of non-space characters (at 'backend.auth.externalAccess[0].options.subject')"
        ),
        (
            "      - type: legacy\n        options: {secret: 'not base64!', subject: ci}\n",
            "Illegal secret, must be a valid base64 string (at 'backend.auth.externalAccess[0].options.secret')"
        ),
        (
            "      - type: static\n        options: {token: same-token-1, subject: a}\n"
                + "      - type: static\n        options: {token: same-token-1, subject: b}\n",
            "Static externalAccess token was declared more than once (at 'backend.auth.externalAccess[1].options.token')"
        ),
        (
            "      - type: magic\n        options: {subject: ci}\n",
            "Unknown type 'magic' in backend.auth.externalAccess, expected one of 'static', 'legacy', 'jwks'"
        ),
        (
            "      - type: static\n        options: {token: long-enough-token, subject: ci}\n"
                + "        accessRestrictions: [{plugin: catalog}, {plugin: catalog}]\n",
            "Plugin 'catalog' is listed more than once in 'accessRestrictions' "
                + "(at 'backend.auth.externalAccess[0].accessRestrictions[1].plugin')"
        ),
        (
            "      - type: static\n        options: {token: long-enough-token, subject: ci}\n"
                + "        accessRestrictions: [{permission: catalog.entity.read}]\n",
            "Invalid key 'permission' in 'accessRestrictions' config, expected 'plugin' "
                + "(at 'backend.auth.externalAccess[0].accessRestrictions[0]')"
        ),
        (
            "      - type: static\n        options: {token: long-enough-token}\n",
            "Missing required config value at 'backend.auth.externalAccess[0].options.subject'"
        ),
    ]

    @Test(arguments: invalidEntries)
    func invalidEntriesStopStartupWithTheirMessage(_ entry: String, _ message: String) throws {
        let config = try Self.config(entry)
        #expect(throws: (any Error).self) { try Self.resolve(config) }
        do {
            _ = try Self.resolve(config)
        } catch {
            #expect("\(error)" == message)
        }
        #expect(TokenManagerPolicy.problems(in: config, environment: .production) == [message])
    }

    @Test func configCheckListsEveryBadEntry() throws {
        let config = try Self.config(Self.invalidEntries[0].0 + Self.invalidEntries[3].0)
        #expect(
            TokenManagerPolicy.problems(in: config, environment: .development) == [
                "Illegal token, must be at least 8 characters length (at 'backend.auth.externalAccess[0].options.token')",
                "Illegal secret, must be a valid base64 string (at 'backend.auth.externalAccess[1].options.secret')",
            ])
    }
}
