import Testing

@testable import BackendAuth

@Suite("Decoding secrets as Node does")
struct SecretDecodingTests {
    func bytes(_ text: String) throws -> [UInt8] {
        try ServerSecret.decode(text, name: "k").bytes
    }

    @Test func requiredCases() throws {
        #expect(hex(try bytes("a-secret-key")) == "6beb1e72b7adfa47b2")
        // 21 characters: the dangling final character is ignored, as Node does.
        #expect(hex(try bytes("my-secret-key-catalog")) == "9b2fac79cadeb7e91ecbe71ab5a968")
        #expect(try bytes("my-secret-key-catalog").count == 15)
    }

    @Test func standardAndURLSafeSpellingsAgree() throws {
        let key: [UInt8] = [0xfb, 0xff, 0xbf, 0x3e, 0x00, 0xfe, 0xef]
        let standard = Base64.encode(key)
        let urlSafe = Base64URL.encode(key)
        #expect(standard == "+/+/PgD+7w==")
        #expect(urlSafe == "-_-_PgD-7w")
        #expect(try bytes(standard) == key)
        #expect(try bytes(urlSafe) == key)
        #expect(try bytes("-_+/PgD-7w=") == key)  // mixed alphabets, partial padding
        #expect(try bytes("a-secret-key==") == bytes("a-secret-key"))
    }

    @Test func canonicalForms() throws {
        let key: [UInt8] = Array(0..<32)
        #expect(try ServerSecret.decode(Base64.encode(key), name: "k").warnings.isEmpty)
        #expect(try ServerSecret.decode(Base64URL.encode(key), name: "k").warnings.isEmpty)
        // Unused bits set: Node ignores them, we warn.
        let noisy = try ServerSecret.decode("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh9=", name: "k")
        #expect(noisy.bytes == key)
        #expect(
            noisy.warnings == [
                "The secret at 'k' is not canonical base64; it is decoded as Node's Buffer.from(secret, 'base64') does, giving 32 bytes."
            ])
    }

    @Test func shortAndNonCanonicalSecretsWarnWithoutTheSecret() throws {
        let secret = try ServerSecret.decode("my-secret-key-catalog", name: "backend.auth.keys[0].secret")
        #expect(secret.warnings.count == 2)
        #expect(secret.warnings[0].contains("'backend.auth.keys[0].secret' is only 15 bytes"))
        for warning in secret.warnings {
            #expect(!warning.contains("my-secret"))
            #expect(warning.contains("backend.auth.keys[0].secret"))
        }
        #expect(!secret.description.contains("my-secret"))
    }

    @Test(arguments: [
        ("my secret", "contains whitespace; a secret must be base64 (A-Z a-z 0-9 + / - _ with optional trailing =)"),
        (" abcd", "contains whitespace; a secret must be base64 (A-Z a-z 0-9 + / - _ with optional trailing =)"),
        ("abcd\n", "contains whitespace; a secret must be base64 (A-Z a-z 0-9 + / - _ with optional trailing =)"),
        ("abcd\u{00A0}", "contains whitespace; a secret must be base64 (A-Z a-z 0-9 + / - _ with optional trailing =)"),
        (
            "secret!",
            "contains a character that is not allowed; a secret must be base64 (A-Z a-z 0-9 + / - _ with optional trailing =)"
        ),
        (
            "sécret",
            "contains a character that is not allowed; a secret must be base64 (A-Z a-z 0-9 + / - _ with optional trailing =)"
        ),
        (
            "ab=cd",
            "contains '=' before the end; a secret must be base64 (A-Z a-z 0-9 + / - _ with optional trailing =)"
        ),
        ("", "the secret is empty"),
        ("a", "decodes to no bytes"),
        ("====", "decodes to no bytes"),
    ])
    func invalidSecrets(_ text: String, _ reason: String) {
        #expect(throws: TokenManagerConfigurationError("Invalid secret at 'backend.auth.keys[1].secret': \(reason)")) {
            try ServerSecret.decode(text, name: "backend.auth.keys[1].secret")
        }
    }

    static let nodeCases = [
        "a-secret-key", "my-secret-key-catalog", "my-secret-key-scaffolder", "my-secret-key-search", "abc", "ab",
        "abcde",
        "abcdef==", "abcdefg=", "+/+/PgD+7w==", "-_-_PgD-7w", "-_+/PgD-7w=",
        "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh9=",
        "ZZZZ", "Zm9vYmFy", "Zm9vYmE", "Zm9vYm", "Zm9vY", "QQ", "QR", "QR==", "x===",
    ]

    static let nodeExpected: [String: String] = [
        "a-secret-key": "6beb1e72b7adfa47b2",
        "my-secret-key-catalog": "9b2fac79cadeb7e91ecbe71ab5a968",
        "abc": "69b7", "ab": "69", "abcde": "69b71d", "abcdef==": "69b71d79", "abcdefg=": "69b71d79f8",
        "Zm9vYmFy": "666f6f626172", "Zm9vYmE": "666f6f6261", "Zm9vYm": "666f6f62", "Zm9vY": "666f6f",
        "QQ": "41", "QR": "41", "QR==": "41",
    ]

    @Test func hardCodedNodeResults() throws {
        for (text, expected) in Self.nodeExpected {
            #expect(hex(try bytes(text)) == expected, "\(text)")
        }
    }

    @Test(.enabled(if: nodeAvailable, "node is not on PATH"))
    func matchesNodeByteForByte() throws {
        let script =
            "for (const s of process.argv.slice(1)) console.log('<' + Buffer.from(s, 'base64').toString('hex') + '>')"
        let output = try #require(runOracle("node", ["-e", script] + Self.nodeCases))
        let lines = output.split(separator: "\n").map { String($0.dropFirst().dropLast()) }
        try #require(lines.count == Self.nodeCases.count)
        for (text, nodeHex) in zip(Self.nodeCases, lines) {
            if nodeHex.isEmpty {
                #expect(throws: TokenManagerConfigurationError.self) { try bytes(text) }
            } else {
                #expect(hex(try bytes(text)) == nodeHex, "\(text)")
            }
        }
    }
}
