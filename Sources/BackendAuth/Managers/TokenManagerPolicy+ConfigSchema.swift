import BackendConfig

extension TokenManagerPolicy {
    /// The config keys service-to-service auth reads: `backend.auth.keys`, `backend.auth.externalAccess`,
    /// `backend.auth.pluginKeyStore` and `backend.auth.pluginAccess`.
    public static let configSchema = ConfigSchema([
        .init(
            "backend.auth", type: .object,
            description:
                "Service-to-service auth. Absent: auth is off in development (every request passes). Present, it must "
                + "configure keys, externalAccess entries or a pluginKeyStore, and every key under it must be known."),
        .init(
            configKey, type: .array,
            description:
                "Shared secrets: the first signs this backend's tokens, every one verifies. An empty list generates a "
                + "key for this process in development."),
        .init(
            "\(configKey)[].secret", type: .string,
            description: "A secret, decoded as Node's Buffer.from(secret, 'base64'); make one with `backend secret`.",
            secret: true),
        .init(
            externalAccessKey, type: .array,
            description: "More callers, each with a subject of its own: `static` tokens, `legacy` secrets, `jwks`."),
        .init(
            "\(externalAccessKey)[].type", type: .string, description: "`static`, `legacy` or `jwks`."),
        .init("\(externalAccessKey)[].options", type: .object, description: "The entry's options (by type)."),
        .init(
            "\(externalAccessKey)[].options.token", type: .string,
            description: "`static`: the token (no whitespace, at least 8 characters).", secret: true),
        .init(
            "\(externalAccessKey)[].options.secret", type: .string,
            description: "`legacy`: an HS256 secret, decoded as backend.auth.keys secrets are.", secret: true),
        .init(
            "\(externalAccessKey)[].options.subject", type: .string,
            description: "`static` and `legacy`: the caller's subject."),
        .init(
            "\(externalAccessKey)[].options.url", type: .string,
            description: "`jwks`: the http or https URL of the key set."),
        .init(
            "\(externalAccessKey)[].options.algorithm", type: [.string, .array], default: "RS256",
            description: "`jwks`: the accepted algorithms (RS256, ES256, PS256), a string or a list."),
        .init(
            "\(externalAccessKey)[].options.issuer", type: [.string, .array],
            description: "`jwks`: the accepted `iss` values; absent, any."),
        .init(
            "\(externalAccessKey)[].options.audience", type: [.string, .array],
            description: "`jwks`: the accepted `aud` values (a string, a comma/space list or an array); absent, any."),
        .init(
            "\(externalAccessKey)[].options.subjectPrefix", type: .string,
            description: "`jwks`: the caller is `external:<subjectPrefix>:<sub>`."),
        .init(
            "\(externalAccessKey)[].accessRestrictions", type: .array,
            description: "Only these plugins' routes; absent, every plugin's."),
        .init("\(externalAccessKey)[].accessRestrictions[].plugin", type: .string, description: "A plugin id."),
        .init(
            PluginKeyStoreSettings.configKey, type: .object,
            description:
                "Where this deployment's plugin token keys (ES256) come from. Absent: the database store with "
                + "one-hour keys, whenever auth is on."),
        .init(
            "\(PluginKeyStoreSettings.configKey).type", type: .string, default: "database",
            description:
                "`database`: a key pair generated per key duration, public keys in each plugin's database; `static`: "
                + "key pairs from PEM files."),
        .init(
            "\(PluginKeyStoreSettings.configKey).keyDuration", type: .duration, default: "1h",
            description: "How long a key signs, and how long a token lives (at least 1 s)."),
        .init("\(PluginKeyStoreSettings.configKey).static", type: .object, description: "The `static` store."),
        .init(
            "\(PluginKeyStoreSettings.configKey).static.keys", type: .array,
            description: "Key pairs: the first signs (it needs a private key), every one verifies."),
        .init(
            "\(PluginKeyStoreSettings.configKey).static.keys[].publicKeyFile", type: .string,
            description: "An SPKI PEM file (-----BEGIN PUBLIC KEY-----), relative to this config file."),
        .init(
            "\(PluginKeyStoreSettings.configKey).static.keys[].privateKeyFile", type: .string,
            description: "A PKCS#8 PEM file (-----BEGIN PRIVATE KEY-----), relative to this config file."),
        .init(
            "\(PluginKeyStoreSettings.configKey).static.keys[].keyId", type: .string,
            description: "The key's `kid`."),
        .init(
            "\(PluginKeyStoreSettings.configKey).static.keys[].algorithm", type: .string, default: "ES256",
            description: "The key's algorithm; only ES256 is supported."),
        .init(
            PluginAccessSettings.configKey, type: .array,
            description:
                "Which plugins may call a plugin with plugin tokens; a plugin not listed accepts every plugin whose "
                + "keys verify."),
        .init("\(PluginAccessSettings.configKey)[].plugin", type: .string, description: "The called plugin's id."),
        .init(
            "\(PluginAccessSettings.configKey)[].callers", type: .array,
            description: "The ids of the plugins that may call it."),
    ])
}
