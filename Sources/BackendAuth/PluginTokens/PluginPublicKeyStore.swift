/// Where a ``RotatingPluginKeySource`` publishes its public keys so that every replica of the plugin serves them:
/// the plugin database's `backstage_backend_public_keys__keys` table in the host.
public protocol PluginPublicKeyStore: Sendable {
    /// Stores `key` until `expiresAt` (Unix seconds); returns only once the row is committed.
    func addKey(_ key: PluginPublicKey, expiresAt: Double) async throws

    /// The keys that have not expired at `now` (Unix seconds); rows that have are removed.
    func listKeys(now: Double) async throws -> [PluginPublicKey]
}
