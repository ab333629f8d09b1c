/// The claims of a plugin token that passed verification.
public struct VerifiedPluginToken: Sendable, Equatable {
    /// The `sub` claim: the calling plugin's id.
    public let pluginId: String
    /// The `aud` claim this host checked: the receiving plugin's id.
    public let audience: String
    /// The `exp` claim, Unix seconds.
    public let expiresAt: Double
    /// The `kid` of the key that signed it.
    public let keyId: String

    /// The caller as the route guard names it: `plugin:<sub>`.
    public var principal: ServicePrincipal {
        ServicePrincipal(subject: "plugin:\(pluginId)")
    }
}
