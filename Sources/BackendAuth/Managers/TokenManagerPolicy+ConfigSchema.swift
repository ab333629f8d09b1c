import BackendConfig

extension TokenManagerPolicy {
    /// The config keys service-to-service auth reads: `backend.auth.keys` and `backend.auth.externalAccess`.
    public static let configSchema = ConfigSchema([
        .init(
            "backend.auth", type: .object,
            description:
                "Service-to-service auth. Absent: auth is off in development (every request passes). Present, it must "
                + "configure keys or externalAccess entries, and every key under it must be known."),
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
    ])
}
