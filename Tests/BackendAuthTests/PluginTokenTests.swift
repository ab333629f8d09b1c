import BackendJSON
import Foundation
import InMemoryLogging
import Testing

@testable import BackendAuth

@Suite("Plugin tokens: ES256, PyJWT as the oracle")
struct PluginTokenTests {
    /// A verifier for plugin `catalog` whose issuers' sets are `document`, served from a source that counts fetches.
    static func verifier(
        _ source: any JSONWebKeySetSource, clock: ManualClock = ManualClock(Date().timeIntervalSince1970)
    ) -> PluginTokenVerifier {
        let cache = PluginKeySetCache(
            keySetURL: { "http://127.0.0.1:7007/api/\($0)/.backstage/auth/v1/jwks.json" }, source: source,
            clock: clock, logger: InMemoryLogHandler().logger)
        return PluginTokenVerifier(keySets: cache, clock: clock)
    }

    static func reason(_ verifier: PluginTokenVerifier, _ token: String, audience: String = "catalog") async -> String?
    {
        do {
            _ = try await verifier.verify(token, audience: audience)
            return nil
        } catch {
            return error.message
        }
    }

    // MARK: The primitive

    @Test func signaturesAreRawRAndSAndVerify() throws {
        let key = try P256SigningKey.generate()
        let message = Array("header.payload".utf8)
        let signature = try key.signature(for: message)
        #expect(signature.count == 64)
        #expect(key.publicKey.isValidSignature(signature, for: message))
        #expect(!key.publicKey.isValidSignature(signature, for: Array("header.payloae".utf8)))
        var tampered = signature
        tampered[40] ^= 1
        #expect(!key.publicKey.isValidSignature(tampered, for: message))
        #expect(!key.publicKey.isValidSignature(Array(signature.prefix(63)), for: message))
        #expect(!key.publicKey.isValidSignature([UInt8](repeating: 0, count: 64), for: message))
        #expect(!(try P256SigningKey.generate()).publicKey.isValidSignature(signature, for: message))
    }

    @Test func jwkRoundTripsAndNamesItsKey() throws {
        let key = try PluginSigningKey.generate(keyId: "k-1")
        let jwk = key.publicKey.jwk
        #expect(jwk["kty"] == "EC")
        #expect(jwk["crv"] == "P-256")
        #expect(jwk["kid"] == "k-1")
        #expect(jwk["alg"] == "ES256")
        #expect(jwk["use"] == "sig")
        #expect(jwk["x"]?.stringValue?.count == 43)
        let back = try PluginPublicKey(jwk: jwk)
        #expect(back.key.x == key.privateKey.publicKey.x && back.key.y == key.privateKey.publicKey.y)
        #expect(throws: PluginKeyError("The JSON Web Key 'k-1' is not an EC key on P-256")) {
            try PluginPublicKey(jwk: ["kty": "RSA", "kid": "k-1", "n": "AQAB", "e": "AQAB"])
        }
        #expect(throws: PluginKeyError("The x and y coordinates are not a point on the P-256 curve")) {
            try PluginPublicKey(jwk: [
                "kty": "EC", "crv": "P-256", "kid": "k-1",
                "x": .string(Base64URL.encode([UInt8](repeating: 1, count: 32))),
                "y": .string(Base64URL.encode([UInt8](repeating: 2, count: 32))),
            ])
        }
    }

    // MARK: Our tokens, PyJWT verifying

    @Test(.enabled(if: pyJWTAvailable, "PyJWT is not installed"))
    func pyJWTVerifiesOurTokensAgainstOurKeySet() async throws {
        let key = try PluginSigningKey.generate()
        let clock = ManualClock(Date().timeIntervalSince1970)
        let issuer = PluginTokenIssuer(pluginId: "scaffolder", signingKey: key, keyDurationSeconds: 3600, clock: clock)
        let token = try await issuer.token(for: "catalog")
        let jwks = PluginPublicKey.keySet([key.publicKey]).jsonText()
        let verified = try #require(PluginTokenOracle.verify(token.token, jwks: jwks, audience: "catalog"))
        #expect(verified.header["typ"] as? String == "vnd.backstage.plugin")
        #expect(verified.header["alg"] as? String == "ES256")
        #expect(verified.header["kid"] as? String == key.keyId)
        #expect(verified.header.count == 3)
        #expect(verified.claims["sub"] as? String == "scaffolder")
        #expect(verified.claims["aud"] as? String == "catalog")
        let iat = try #require(verified.claims["iat"] as? Int)
        let exp = try #require(verified.claims["exp"] as? Int)
        #expect(exp - iat == 3600)
        #expect(iat == Int(clock.now()))
        // The header bytes are exactly Backstage's.
        let header = try Base64URL.decode(String(token.token.split(separator: ".")[0]))
        #expect(
            String(decoding: header, as: UTF8.self)
                == #"{"typ":"vnd.backstage.plugin","alg":"ES256","kid":"\#(key.keyId)"}"#)
        // PyJWT refuses it for another audience and against another key.
        #expect(PluginTokenOracle.verify(token.token, jwks: jwks, audience: "search") == nil)
        let other = try PluginSigningKey.generate(keyId: key.keyId)
        #expect(
            PluginTokenOracle.verify(
                token.token, jwks: PluginPublicKey.keySet([other.publicKey]).jsonText(), audience: "catalog")
                == nil)
    }

    // MARK: PyJWT's tokens, us verifying

    @Test(.enabled(if: pyJWTAvailable, "PyJWT is not installed"))
    func pyJWTTokensVerifyAndFailuresAreNamed() async throws {
        let minted = try PluginTokenOracle.mint(issuer: "scaffolder", audience: "catalog")
        defer { try? FileManager.default.removeItem(at: minted.directory) }
        let source = FakeKeySetSource(minted.jwks)
        let verifier = Self.verifier(source)
        let verified = try await verifier.verify(minted.token("valid"), audience: "catalog")
        #expect(verified.principal.subject == "plugin:scaffolder")
        #expect(verified.keyId == "py-1")
        let url = "http://127.0.0.1:7007/api/scaffolder/.backstage/auth/v1/jwks.json"
        let expected: [(String, String)] = [
            ("wrongAudience", #"Invalid plugin token: unexpected audience "other", this is plugin 'catalog'"#),
            (
                "unknownKid",
                #"Invalid plugin token: unknown key "py-unknown": the key set of plugin 'scaffolder' at \#(url) does not list it"#
            ),
            ("hs256", #"Invalid plugin token: unsupported alg "HS256"; plugin tokens are ES256"#),
            ("none", #"Invalid plugin token: unsupported alg "none"; plugin tokens are ES256"#),
            ("foreignKey", "Invalid plugin token: signature verification failed"),
            ("noSubject", "Invalid plugin token: missing subject"),
            ("badSubject", "Invalid plugin token: forbidden subject format"),
            ("noIat", #"Invalid plugin token: missing "iat" claim"#),
        ]
        for (name, message) in expected {
            #expect(await Self.reason(verifier, minted.token(name)) == message, "\(name)")
        }
        let expired = try #require(await Self.reason(verifier, minted.token("expired")))
        #expect(expired.hasPrefix("Invalid plugin token: expired at "))
        // The valid token and the unknown kid fetched the set once between them.
        #expect(source.fetches == 1)
        // Every one of them is a plugin token by its header.
        for name in minted.tokens.keys { #expect(PluginTokenVerifier.isPluginToken(minted.token(name)), "\(name)") }
        #expect(!PluginTokenVerifier.isPluginToken(TokenFactory.token()))
        #expect(!PluginTokenVerifier.isPluginToken("not a token"))
    }

    @Test("a token this package issues is a plugin token by its first 68 characters; other layouts are decoded")
    func issuedHeaderPrefix() async throws {
        let issuer = PluginTokenIssuer(pluginId: "scaffolder", signingKey: try PluginSigningKey.generate())
        let token = try await issuer.token(for: "catalog").token
        #expect(PluginTokenVerifier.issuedHeaderPrefix.count == 68)
        #expect(PluginTokenVerifier.hasIssuedHeader(token))
        #expect(PluginTokenVerifier.isPluginToken(token))

        // PyJWT's layout (members sorted): no fast answer, but isPluginToken still sees the plugin typ.
        let sorted = Base64URL.encode(#"{"alg":"ES256","kid":"py-1","typ":"vnd.backstage.plugin"}"#) + ".e30.c2ln"
        #expect(!PluginTokenVerifier.hasIssuedHeader(sorted))
        #expect(PluginTokenVerifier.isPluginToken(sorted))

        let server = Base64URL.encode(#"{"alg":"HS256"}"#) + ".e30.c2ln"
        #expect(!PluginTokenVerifier.hasIssuedHeader(server))
        #expect(!PluginTokenVerifier.isPluginToken(server))
        #expect(!PluginTokenVerifier.hasIssuedHeader(String(token.prefix(60))))
        #expect(!PluginTokenVerifier.hasIssuedHeader(""))
    }

    @Test func aVerifiedTokenIsRememberedUntilItsExpiry() async throws {
        let key = try PluginSigningKey.generate()
        let clock = ManualClock(TokenFactory.now)
        let source = FakeKeySetSource(Array(PluginPublicKey.keySet([key.publicKey]).jsonText().utf8))
        let verifier = Self.verifier(source, clock: clock)
        let token = try PluginTokenIssuer.sign(
            subject: "search", audience: "catalog", issuedAt: Int(TokenFactory.now),
            expiresAt: Int(TokenFactory.now) + 60,
            key: key)
        _ = try await verifier.verify(token, audience: "catalog")
        #expect(verifier.cachedTokenCount == 1)
        // The key set now lists nothing; the cached token is still accepted, without a fetch, for its audience only.
        source.serve(Array(#"{"keys":[]}"#.utf8))
        for _ in 0..<100 { #expect(try await verifier.verify(token, audience: "catalog").pluginId == "search") }
        #expect(source.fetches == 1)
        #expect(
            await Self.reason(verifier, token, audience: "scaffolder")
                == #"Invalid plugin token: unexpected audience "catalog", this is plugin 'scaffolder'"#)
        clock.advance(by: .seconds(60))
        #expect(
            await Self.reason(verifier, token)?.hasPrefix("Invalid plugin token: expired at 2027-01-15T08:01:00")
                == true)
    }

    @Test func theVerifiedTokenCacheIsBounded() async throws {
        let key = try PluginSigningKey.generate()
        let source = FakeKeySetSource(Array(PluginPublicKey.keySet([key.publicKey]).jsonText().utf8))
        let clock = ManualClock(TokenFactory.now)
        let cache = PluginKeySetCache(
            keySetURL: { "http://keys/\($0)" }, source: source, clock: clock, logger: InMemoryLogHandler().logger)
        let verifier = PluginTokenVerifier(keySets: cache, clock: clock, cacheCapacity: 10)
        for index in 0..<25 {
            let token = try PluginTokenIssuer.sign(
                subject: "search", audience: "catalog", issuedAt: Int(TokenFactory.now) + index,
                expiresAt: Int(TokenFactory.now) + 600, key: key)
            _ = try await verifier.verify(token, audience: "catalog")
            #expect(verifier.cachedTokenCount <= 10)
        }
    }

    @Test func unreachableKeySetsAreNamedWithTheirURL() async throws {
        let source = ControlledKeySetSource([])
        source.fail("The key set answered 503")
        let verifier = Self.verifier(source)
        let key = try PluginSigningKey.generate()
        let now = Int(Date().timeIntervalSince1970)
        let token = try PluginTokenIssuer.sign(
            subject: "search", audience: "catalog", issuedAt: now, expiresAt: now + 60, key: key)
        #expect(
            await Self.reason(verifier, token)
                == "Invalid plugin token: could not fetch the key set of plugin 'search' from "
                + "http://127.0.0.1:7007/api/search/.backstage/auth/v1/jwks.json: The key set answered 503")
        // Within 30 s the same reason, without another fetch.
        #expect(await Self.reason(verifier, token)?.hasSuffix("The key set answered 503") == true)
        #expect(source.fetches == 1)
    }
}
