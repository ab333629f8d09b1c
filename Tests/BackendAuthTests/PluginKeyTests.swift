import BackendConfig
import BackendJSON
import Foundation
import InMemoryLogging
import Testing

@testable import BackendAuth

@Suite("Plugin keys: key set cache, issuing, rotation, static keys, settings")
struct PluginKeyTests {
    static func token(_ key: PluginSigningKey, subject: String = "search", now: Double) throws -> String {
        try PluginTokenIssuer.sign(
            subject: subject, audience: "catalog", issuedAt: Int(now), expiresAt: Int(now) + 3600, key: key)
    }

    static func document(_ keys: [PluginSigningKey]) -> [UInt8] {
        Array(PluginPublicKey.keySet(keys.map(\.publicKey)).jsonText().utf8)
    }

    // MARK: Key set cache

    @Test func anUnknownKidRefetchesAtMostOncePer30SecondsPerIssuer() async throws {
        let first = try PluginSigningKey.generate()
        let second = try PluginSigningKey.generate()
        let source = FakeKeySetSource(Self.document([first]))
        let clock = ManualClock(TokenFactory.now)
        let verifier = PluginTokenTests.verifier(source, clock: clock)
        _ = try await verifier.verify(try Self.token(first, now: clock.now()), audience: "catalog")
        #expect(verifier.keySets.fetchCount(of: "search") == 1)
        // Steady state: new tokens signed with a known key fetch nothing.
        for offset in 1...50 {
            _ = try await verifier.verify(try Self.token(first, now: clock.now() + Double(offset)), audience: "catalog")
        }
        #expect(source.fetches == 1)

        // 100 tokens with unknown kids within 10 s: no fetch (the set was fetched less than 30 s ago).
        for index in 0..<100 {
            clock.advance(by: .seconds(0.1))
            let stranger = try PluginSigningKey.generate(keyId: "unknown-\(index)")
            #expect(
                await PluginTokenTests.reason(verifier, try Self.token(stranger, now: clock.now()))?.contains(
                    "unknown key") == true)
        }
        #expect(source.fetches == 1)

        // The issuer rotates; once 30 s have passed, the next unknown kid fetches, once.
        source.serve(Self.document([first, second]))
        clock.advance(by: .seconds(21))
        for _ in 0..<5 { _ = try await verifier.verify(try Self.token(second, now: clock.now()), audience: "catalog") }
        #expect(source.fetches == 2)
        // Another issuer has a set of its own.
        _ = try await verifier.verify(
            try Self.token(first, subject: "scaffolder", now: clock.now()), audience: "catalog")
        #expect(verifier.keySets.fetchCount(of: "scaffolder") == 1)
        #expect(verifier.keySets.totalFetchCount == 3)
    }

    @Test func concurrentMissesShareOneFetch() async throws {
        let key = try PluginSigningKey.generate()
        let source = ControlledKeySetSource(Self.document([key]))
        source.hold()
        let clock = ManualClock(TokenFactory.now)
        let verifier = PluginTokenTests.verifier(source, clock: clock)
        let tokens = try (0..<20).map { try Self.token(key, now: clock.now() + Double($0)) }
        try await withThrowingTaskGroup(of: String.self) { group in
            for token in tokens {
                group.addTask { try await verifier.verify(token, audience: "catalog").pluginId }
            }
            while source.holding == 0 { await Task.yield() }
            source.release()
            for try await plugin in group { #expect(plugin == "search") }
        }
        #expect(source.fetches == 1)
    }

    // MARK: Issuing

    @Test func aTokenIsReusedPerTargetUntilTenMinutesBeforeItsExpiry() async throws {
        let clock = ManualClock(TokenFactory.now)
        let issuer = PluginTokenIssuer(
            pluginId: "scaffolder", signingKey: try PluginSigningKey.generate(), keyDurationSeconds: 3600, clock: clock)
        let first = try await issuer.token(for: "catalog")
        #expect(first.expiresAt - first.issuedAt == 3600)
        clock.advance(by: .seconds(2999))
        #expect(try await issuer.token(for: "catalog") == first)
        let search = try await issuer.token(for: "search")
        #expect(search.audience == "search" && search != first)
        #expect(issuer.signingCount == 2)
        clock.advance(by: .seconds(1))  // 10 minutes before exp
        let second = try await issuer.token(for: "catalog")
        #expect(second != first && second.issuedAt == Int(TokenFactory.now) + 3000)
        #expect(issuer.signingCount == 3)
    }

    @Test func shortLivedTokensAreReusedForHalfTheirLifetime() async throws {
        let clock = ManualClock(TokenFactory.now)
        let issuer = PluginTokenIssuer(
            pluginId: "scaffolder", signingKey: try PluginSigningKey.generate(), keyDurationSeconds: 60, clock: clock)
        let first = try await issuer.token(for: "catalog")
        clock.advance(by: .seconds(29))
        #expect(try await issuer.token(for: "catalog") == first)
        clock.advance(by: .seconds(1))
        #expect(try await issuer.token(for: "catalog") != first)
    }

    // MARK: Rotation (the database store's keys)

    @Test func keysArePublishedBeforeTheySignAndAheadOfTheirTurn() async throws {
        let store = MemoryPublicKeyStore()
        let clock = ManualClock(TokenFactory.now)
        let source = RotatingPluginKeySource(
            store: store, keyDurationSeconds: 3600, clock: clock, logger: InMemoryLogHandler().logger)
        #expect(source.lookahead == 1)
        let first = try await source.signingKey()
        // The signing key and the next one are stored; rows live three durations from the start of their turn.
        var rows = await store.rows
        #expect(rows.map(\.key.keyId) == [first.keyId, rows[1].key.keyId])
        #expect(rows.map(\.expiresAt) == [TokenFactory.now + 3 * 3600, TokenFactory.now + 4 * 3600])
        #expect(try await source.signingKey().keyId == first.keyId)
        clock.advance(by: .seconds(3600))
        let second = try await source.signingKey()
        #expect(second.keyId == rows[1].key.keyId)
        rows = await store.rows
        #expect(rows.count == 3)
        // Every replica's keys are what the JWKS serves; expired rows are removed.
        clock.advance(by: .seconds(3 * 3600))
        _ = try await source.signingKey()
        let listed = try await source.publicKeys().map(\.keyId)
        #expect(!listed.contains(first.keyId) && !listed.contains(second.keyId))
    }

    @Test func shortKeyDurationsPublishAtLeast30SecondsAhead() async throws {
        let store = MemoryPublicKeyStore()
        let clock = ManualClock(TokenFactory.now)
        let source = RotatingPluginKeySource(
            store: store, keyDurationSeconds: 4, clock: clock, logger: InMemoryLogHandler().logger)
        #expect(source.lookahead == 8)
        // A verifier that fetched the set at any moment knows every key used in the 30 s after.
        var fetchedAt = clock.now()
        _ = try await source.signingKey()
        var known = Set(await store.keyIds)
        for _ in 0..<120 {
            clock.advance(by: .seconds(1))
            let key = try await source.signingKey()
            if clock.now() - fetchedAt >= PluginKeySetCache.refetchInterval {
                fetchedAt = clock.now()
                known = Set(await store.keyIds)
            }
            #expect(known.contains(key.keyId))
        }
    }

    // MARK: Static keys

    /// `yaml` written to `file` and loaded as the backend loads config (values know their file and line).
    static func config(_ yaml: String, file: String) throws -> Config {
        let directory = (file as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try Data(yaml.utf8).write(to: URL(fileURLWithPath: file))
        return try ConfigLoader(environment: [:], workingDirectory: directory).load(paths: [file]).config
    }

    static func temporaryFile(_ name: String = "app-config.yaml") -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("plugin-keys-\(UUID().uuidString)/\(name)").path
    }

    @Test(.enabled(if: pyJWTAvailable, "python3 with cryptography is not installed"))
    func staticKeysLoadFromPEMFilesRelativeToTheConfigFile() async throws {
        let minted = try PluginTokenOracle.mint(issuer: "scaffolder", audience: "catalog")
        defer { try? FileManager.default.removeItem(at: minted.directory) }
        let configFile = minted.directory.appendingPathComponent("app-config.yaml").path
        let config = try Self.config(
            """
            backend:
              auth:
                pluginKeyStore:
                  type: static
                  keyDuration: 10m
                  static:
                    keys:
                      - {publicKeyFile: public.pem, privateKeyFile: private.pem, keyId: py-1}
                      - {publicKeyFile: other-public.pem, keyId: old}
            """, file: configFile)
        #expect(PluginKeyStoreSettings.problems(in: config).isEmpty)
        let settings = try PluginKeyStoreSettings.fromConfig(config)
        #expect(settings.keyDurationSeconds == 600)
        #expect(settings.staticKeys.first?.publicKeyFile == minted.directory.appendingPathComponent("public.pem").path)
        let source = try settings.staticKeySource()
        #expect(try await source.publicKeys().map(\.keyId) == ["py-1", "old"])
        // The Python key signs our tokens, which verify against the key set Python made.
        let issuer = PluginTokenIssuer(pluginId: "scaffolder", keys: source)
        let token = try await issuer.token(for: "catalog")
        #expect(token.expiresAt - token.issuedAt == 600)
        let jwks = String(decoding: minted.jwks, as: UTF8.self)
        #expect(PluginTokenOracle.verify(token.token, jwks: jwks, audience: "catalog") != nil)
    }

    @Test(.enabled(if: pyJWTAvailable, "python3 with cryptography is not installed"))
    func staticKeyProblemsNameTheKeyAndFile() throws {
        let minted = try PluginTokenOracle.mint(issuer: "scaffolder", audience: "catalog")
        defer { try? FileManager.default.removeItem(at: minted.directory) }
        let directory = minted.directory.path
        let configFile = "\(directory)/app-config.yaml"
        func problems(_ keys: String) throws -> [String] {
            PluginKeyStoreSettings.problems(
                in: try Self.config(
                    """
                    backend:
                      auth:
                        pluginKeyStore:
                          type: static
                          static:
                            keys: \(keys)
                    """, file: configFile))
        }
        #expect(try problems("[]") == [StaticPluginKeySource.noKeysMessage])
        #expect(
            StaticPluginKeySource.noKeysMessage
                == "At least one key pair must be provided in static.keys, when the static key store type is used")
        #expect(try problems("[{publicKeyFile: public.pem, keyId: a}]") == [StaticPluginKeySource.noSigningKeyMessage])
        #expect(
            StaticPluginKeySource.noSigningKeyMessage.hasPrefix(
                "Private key for signing must be provided in the first key pair in static.keys"))
        let key = "backend.auth.pluginKeyStore.static.keys[0]"
        #expect(
            try problems("[{publicKeyFile: missing.pem, privateKeyFile: private.pem, keyId: a}]") == [
                "Could not load the public key 'a' (\(key).publicKeyFile) from \(directory)/missing.pem: No such file or directory"
            ])
        #expect(
            try problems("[{publicKeyFile: private.pem, privateKeyFile: private.pem, keyId: a}]") == [
                "Could not load the public key 'a' (\(key).publicKeyFile) from \(directory)/private.pem: it holds no PEM public key (-----BEGIN PUBLIC KEY-----, SPKI)"
            ])
        #expect(
            try problems("[{publicKeyFile: public.pem, privateKeyFile: ec-private.pem, keyId: a}]") == [
                "Could not load the private key 'a' (\(key).privateKeyFile) from \(directory)/ec-private.pem: it holds an EC PRIVATE KEY, not PKCS#8; convert it with `openssl pkcs8 -topk8 -nocrypt -in <file> -out <new file>`"
            ])
        #expect(
            try problems("[{publicKeyFile: other-public.pem, privateKeyFile: private.pem, keyId: a}]") == [
                "The public key 'a' in \(directory)/other-public.pem is not the public key of the private key in \(directory)/private.pem (\(key))"
            ])
        #expect(
            try problems("[{publicKeyFile: public.pem, privateKeyFile: private.pem, keyId: a, algorithm: RS256}]") == [
                "Unsupported algorithm 'RS256' for the key 'a' at \(key).algorithm; only ES256 is supported"
            ])
        // Each bad entry is reported on its own.
        #expect(
            try problems(
                "[{publicKeyFile: public.pem, privateKeyFile: private.pem, keyId: a}, {publicKeyFile: x.pem, keyId: b}, {publicKeyFile: y.pem, keyId: c}]"
            ).count == 2)
    }

    // MARK: Settings

    @Test func storeSettingsAndTheirProblems() throws {
        let file = Self.temporaryFile()
        func settings(_ body: String) throws -> Config {
            try Self.config("backend:\n  auth:\n    pluginKeyStore:\n" + body, file: file)
        }
        let defaults = try PluginKeyStoreSettings.fromConfig(try Self.config("backend: {}", file: file))
        #expect(defaults.type == .database && defaults.keyDurationSeconds == 3600)
        #expect(
            try PluginKeyStoreSettings.fromConfig(try settings("      keyDuration: {minutes: 5}\n")).keyDurationSeconds
                == 300)
        #expect(
            try PluginKeyStoreSettings.fromConfig(try settings("      keyDuration: PT2H\n")).keyDurationSeconds == 7200)
        #expect(
            PluginKeyStoreSettings.problems(in: try settings("      type: memory\n")) == [
                "Invalid backend.auth.pluginKeyStore.type 'memory' in \(file):4; expected 'database' or 'static'"
            ])
        #expect(
            PluginKeyStoreSettings.problems(in: try settings("      keyDuration: 500\n")) == [
                "backend.auth.pluginKeyStore.keyDuration in \(file):4 must be at least 1 second; tokens live as long as a key signs"
            ])
        #expect(
            PluginKeyStoreSettings.problems(in: try settings("      keyDuration: soon\n")).first?.contains(
                "Invalid duration") == true)
    }

    @Test func pluginAccessSettingsAndTheirProblems() throws {
        let config = try Self.config(
            """
            backend:
              auth:
                pluginAccess:
                  - {plugin: catalog, callers: [scaffolder, search]}
                  - {plugin: search, callers: []}
            """, file: Self.temporaryFile())
        let access = try PluginAccessSettings.fromConfig(config)
        #expect(access.allows(caller: "scaffolder", pluginId: "catalog"))
        #expect(!access.allows(caller: "search", pluginId: "search"))
        #expect(access.allows(caller: "anyone", pluginId: "scaffolder"))
        #expect(
            PluginAccessSettings.deniedMessage(pluginId: "catalog", caller: "search")
                == "Plugin 'catalog' does not accept calls from plugin 'search'")
        let badFile = Self.temporaryFile()
        let bad = try Self.config(
            """
            backend:
              auth:
                pluginAccess:
                  - {plugin: catalog, callers: [scaffolder]}
                  - {plugin: catalog, callers: [search], caller: [x]}
            """, file: badFile)
        #expect(
            PluginAccessSettings.problems(in: bad) == [
                "Unknown key 'caller' in backend.auth.pluginAccess[1] (\(badFile):5); an entry has only 'plugin' and 'callers'",
                "Plugin 'catalog' is listed more than once in backend.auth.pluginAccess (at backend.auth.pluginAccess[0] and backend.auth.pluginAccess[1]); list all its callers in one entry",
            ])
        #expect(throws: PluginKeyStoreConfigurationError.self) { try PluginAccessSettings.fromConfig(bad) }
    }

    // MARK: Auth on with plugin keys alone

    @Test func aPluginKeyStoreAloneTurnsAuthOn() async throws {
        let file = Self.temporaryFile()
        let config = try Self.config("backend:\n  auth:\n    pluginKeyStore: {keyDuration: 30m}\n", file: file)
        let development = try TokenManagerPolicy.resolve(
            config: config, logger: InMemoryLogHandler().logger, environment: .development)
        #expect(development.kind == .generatedKey)
        #expect(development.pluginKeyStore?.keyDurationSeconds == 1800)
        let production = try TokenManagerPolicy.resolve(
            config: config, logger: InMemoryLogHandler().logger, environment: .production)
        #expect(production.kind == .noSharedKey)
        #expect(production.kind.description == "plugin keys only (no backend.auth.keys)")
        #expect(production.pluginKeyStore?.type == .database)
        await #expect(throws: TokenManagerConfigurationError.noKeysToSign) { try await production.manager.getToken() }
        #expect(
            TokenManagerConfigurationError.noKeysToSign.message
                == "This deployment has no backend.auth.keys to sign a legacy server token with")
        #expect(TokenManagerPolicy.problems(in: config, environment: .production).isEmpty)
        // Without auth there are no plugin keys.
        let off = try TokenManagerPolicy.resolve(
            config: try Self.config("backend: {}\n", file: file), logger: InMemoryLogHandler().logger,
            environment: .development)
        #expect(off.kind == .noop && off.pluginKeyStore == nil)
        // With keys, the default store.
        let keys = try TokenManagerPolicy.resolve(
            config: try Self.config(
                "backend:\n  auth:\n    keys: [{secret: \(TokenFactory.firstSecret)}]\n", file: file),
            logger: InMemoryLogHandler().logger, environment: .production)
        #expect(
            keys.pluginKeyStore == PluginKeyStoreSettings(type: .database, keyDurationSeconds: 3600, staticKeys: []))
    }

    @Test func pluginKeyStoreAndPluginAccessProblemsStopStartupAndConfigCheck() throws {
        let file = Self.temporaryFile()
        let config = try Self.config(
            """
            backend:
              auth:
                pluginKeyStore: {type: static, static: {keys: []}}
                pluginAccess:
                  - {plugin: catalog, callers: [search]}
                  - {plugin: catalog, callers: [scaffolder]}
            """, file: file)
        #expect(
            TokenManagerPolicy.problems(in: config, environment: .production) == [
                StaticPluginKeySource.noKeysMessage,
                "Plugin 'catalog' is listed more than once in backend.auth.pluginAccess (at "
                    + "backend.auth.pluginAccess[0] and backend.auth.pluginAccess[1]); list all its callers in one entry",
            ])
        #expect(throws: PluginKeyStoreConfigurationError.self) {
            try TokenManagerPolicy.resolve(
                config: config, logger: InMemoryLogHandler().logger, environment: .production)
        }
    }
}
