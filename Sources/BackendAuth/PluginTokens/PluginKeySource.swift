/// Where a plugin's token keys come from: the key that signs now and the public keys it publishes.
///
/// Two implementations exist: ``StaticPluginKeySource`` (`backend.auth.pluginKeyStore.type: static`, keys from PEM
/// files) and ``RotatingPluginKeySource`` (`database`, a generated key per key duration whose public half is
/// committed to a ``PluginPublicKeyStore`` before it signs anything).
public protocol PluginKeySource: Sendable {
    /// How long a token signed now stays valid, in whole seconds (`backend.auth.pluginKeyStore.keyDuration`).
    var keyDurationSeconds: Int { get }

    /// The key that signs tokens now. Its public key is where verifiers find it before this returns.
    func signingKey() async throws -> PluginSigningKey

    /// The public keys tokens of this plugin may be signed with: what its `/.backstage/auth/v1/jwks.json` lists.
    func publicKeys() async throws -> [PluginPublicKey]
}
