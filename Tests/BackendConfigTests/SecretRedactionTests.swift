import Testing

@testable import BackendConfig

/// Credentials are redacted however their keys are spelled, URL passwords are redacted anywhere, and
/// config errors never echo a refused scalar: `config print` output and error messages end up in CI logs
/// and tickets, so a secret must not leak through an unusual key name or a quoted value.
@Suite("Redaction of credentials")
struct SecretRedactionTests {
    /// What a hidden value prints as.
    static let placeholder = JSONValue.redactedPlaceholder

    @Test(
        "credential keys in any case and with _ or - are secret keys",
        arguments: [
            "password", "Password", "PASSWORD", "db_password", "dbPassword", "passwd", "secret", "client_secret",
            "client-secret", "clientSecret", "token", "accessToken", "access_token", "apiKey", "api_key", "API-KEY",
            "apikey", "privateKey", "private_key", "credentials", "credential", "awsCredentials", "accessKey",
            "aws_access_key", "secretKey", "secret-key", "auth", "basicAuth", "oauth", "Authorization", "secrets",
            "tokens",
        ])
    func secretKeys(_ key: String) {
        #expect(JSONValue.isSecretKey(key), "\(key)")
    }

    @Test(
        "ordinary keys are not secret keys",
        arguments: [
            "user", "username", "host", "keys", "baseUrl", "author", "authProvider", "tokenExpiry", "secretName2",
            "passwordPolicy", "keyId", "accessKeyId", "connection", "database",
        ])
    func ordinaryKeys(_ key: String) {
        #expect(!JSONValue.isSecretKey(key), "\(key)")
    }

    @Test("backend.auth keeps its structure; its keys' secrets, and auth scalars, are hidden")
    func authStructure() throws {
        let value: JSONValue = [
            "backend": [
                "auth": [
                    "keys": [["secret": "c2VjcmV0"], ["secret": "b3RoZXI="]],
                    "externalAccess": [["type": "static", "options": ["token": "tok-123", "subject": "ci"]]],
                    "dangerouslyDisableDefaultAuthPolicy": false,
                ],
                "database": [
                    "client": "pg",
                    "connection": [
                        "host": "db", "port": 5432, "user": "backstage", "password": "pw-1", "Pass_Word": "pw-2",
                    ],
                ],
            ],
            "integrations": ["github": [["host": "github.com", "apiKey": "k-1", "private-key": "k-2"]]],
            "proxy": ["basicAuth": "user:hunter2", "headers": ["Authorization": "Bearer abc"]],
            "aws": ["credentials": ["accessKeyId": "AKIA", "region": "eu", "retries": 3, "enabled": true]],
            "pin": ["password": 1234, "requireAuth": true],
        ]
        let redacted = value.redactingSecrets()
        let config = Config(redacted)
        let keys = try config.getConfigArray("backend.auth.keys")
        #expect(try keys.map { try $0.getString("secret") } == [Self.placeholder, Self.placeholder])
        let access = try config.getConfigArray("backend.auth.externalAccess")
        #expect(try access[0].getString("type") == "static")
        #expect(try access[0].getString("options.token") == Self.placeholder)
        #expect(try access[0].getString("options.subject") == "ci")
        #expect(try config.getBoolean("backend.auth.dangerouslyDisableDefaultAuthPolicy") == false)
        #expect(try config.getString("backend.database.connection.password") == Self.placeholder)
        #expect(try config.getString("backend.database.connection.Pass_Word") == Self.placeholder)
        #expect(try config.getString("backend.database.connection.user") == "backstage")
        #expect(try config.getNumber("backend.database.connection.port") == 5432)
        let github = try config.getConfigArray("integrations.github")
        #expect(try github[0].getString("apiKey") == Self.placeholder)
        #expect(try github[0].getString("private-key") == Self.placeholder)
        #expect(try github[0].getString("host") == "github.com")
        #expect(try config.getString("proxy.basicAuth") == Self.placeholder)
        #expect(try config.getString("proxy.headers.Authorization") == Self.placeholder)
        // Everything under a credential key is hidden; the keys and booleans stay.
        #expect(try config.getString("aws.credentials.accessKeyId") == Self.placeholder)
        #expect(try config.getString("aws.credentials.region") == Self.placeholder)
        #expect(try config.getString("aws.credentials.retries") == Self.placeholder)
        #expect(try config.getBoolean("aws.credentials.enabled") == true)
        #expect(try config.getString("pin.password") == Self.placeholder)
        #expect(try config.getBoolean("pin.requireAuth") == true)
        let printed = redacted.yamlString()
        for secret in [
            "c2VjcmV0", "b3RoZXI", "tok-123", "pw-1", "pw-2", "k-1", "k-2", "hunter2", "Bearer", "AKIA", "1234",
        ] {
            #expect(!printed.contains(secret), "\(secret) in \(printed)")
        }
    }

    @Test(
        "URL passwords are hidden in any string",
        arguments: [
            ("postgresql://user:password@host:5432/db", "postgresql://user:<secret>@host:5432/db"),
            ("redis://:p4ss@cache:6379", "redis://:<secret>@cache:6379"),
            (
                "https://x-access-token:ghp_abc@github.com/org/repo.git",
                "https://x-access-token:<secret>@github.com/org/repo.git"
            ),
            ("mysql://u:p@ss@db/x", "mysql://u:<secret>@db/x"),
            ("postgres://u:pa/ss@db/x", "postgres://u:<secret>@db/x"),
            ("a=postgres://u:one@h1 b=https://v:two@h2/x", "a=postgres://u:<secret>@h1 b=https://v:<secret>@h2/x"),
            ("https://user@host/path", "https://user@host/path"),
            ("https://host:8443/path?q=1", "https://host:8443/path?q=1"),
            ("http://localhost:7007", "http://localhost:7007"),
            ("mailto:someone@example.com", "mailto:someone@example.com"),
            ("not a url: a:b@c", "not a url: a:b@c"),
            ("://:x@", "://:<secret>@"),
            ("", ""),
        ])
    func urlPasswords(_ input: String, _ expected: String) {
        #expect(SecretRedaction.redactingURLPasswords(in: input) == expected)
        let value: JSONValue = ["backend": ["database": ["connection": .string(input)]], "list": [.string(input)]]
        #expect(
            value.redactingSecrets() == [
                "backend": ["database": ["connection": .string(expected)]], "list": [.string(expected)],
            ])
    }

    @Test("a YAML tag error names file:line:column and the tag, never the value")
    func tagErrorsDoNotEchoTheValue() {
        for (yaml, tag) in [
            ("secret: !!int hostile-tag-value-1\n", "!!int"), ("a:\n  b: !!bool hostile-tag-value-2\n", "!!bool"),
            ("x: !!float hostile-tag-value-3\n", "!!float"), ("y: !!null hostile-tag-value-4\n", "!!null"),
        ] {
            let message = configErrorMessage { _ = try ConfigLoader.parse(yaml: yaml, source: "f.yaml") }
            let text = message ?? ""
            #expect(text.hasPrefix("f.yaml:"), "\(text)")
            #expect(text.contains("does not match its tag \(tag)"), "\(text)")
            #expect(!text.contains("hostile-tag-value"), "\(text)")
        }
        let position = configErrorMessage {
            _ = try ConfigLoader.parse(yaml: "a: 1\nsecret: !!int abc\n", source: "f.yaml")
        }
        #expect(position == "f.yaml:2:9: value does not match its tag !!int (expected an integer)")
    }
}
