import BackendJSON
import Logging

/// The `database` plugin key store's keys: this process generates a P-256 key pair per key duration and publishes
/// each public key to a ``PluginPublicKeyStore`` (the plugin's database, shared by its replicas) before the key
/// signs anything. The private keys stay in this process's memory.
///
/// Keys are published ahead of their use: besides the key signing now, the next ``lookahead`` keys are already
/// stored, enough to cover at least ``PluginKeySetCache/refetchInterval`` seconds. A verifier that fetched the key
/// set within that interval therefore already knows the key a rotation switches to, and one that fetched longer ago
/// may fetch again, so a rotation never meets a verifier that cannot learn the new key. Each row expires three key
/// durations after its key starts signing (a token signed at the end of a key's period lives one more duration).
///
/// ```swift
/// let keys = RotatingPluginKeySource(store: databaseStore, keyDurationSeconds: 3600, logger: logger)
/// let issuer = PluginTokenIssuer(pluginId: "scaffolder", keys: keys)
/// ```
public actor RotatingPluginKeySource: PluginKeySource {
    /// Rows live this many key durations from when their key starts signing.
    public static let expirationFactor = 3

    /// How long one key signs, in seconds.
    public nonisolated let keyDurationSeconds: Int
    /// How many keys beyond the current one are published ahead.
    public nonisolated var lookahead: Int {
        max(1, Int((PluginKeySetCache.refetchInterval / Double(keyDurationSeconds)).rounded(.up)))
    }

    private let store: any PluginPublicKeyStore
    private let clock: any WallClock
    private let logger: Logger
    /// Generated keys in start order, each signing from `start` for one key duration.
    private var schedule: [(start: Double, key: PluginSigningKey)] = []
    /// The generation under way; concurrent callers share it.
    private var extending: Task<Void, any Error>?

    /// A source publishing to `store`, rotating every `keyDurationSeconds` (at least 1).
    public init(
        store: any PluginPublicKeyStore, keyDurationSeconds: Int, clock: any WallClock = SystemClock(),
        logger: Logger
    ) {
        self.store = store
        self.keyDurationSeconds = max(1, keyDurationSeconds)
        self.clock = clock
        self.logger = logger
    }

    /// The key of the current period, after the keys of the next ``lookahead`` periods are stored.
    ///
    /// - Throws: the store's error when a new key cannot be committed; the next call tries again.
    public func signingKey() async throws -> PluginSigningKey {
        while true {
            let now = clock.now()
            if let current = key(at: now), isCovered(at: now) { return current }
            if let extending {
                try await extending.value
                continue
            }
            let task = Task { try await self.extend(at: now) }
            extending = task
            defer { extending = nil }
            try await task.value
            let after = clock.now()
            if let current = key(at: after) { return current }
        }
    }

    /// The store's keys: every replica's unexpired keys.
    public func publicKeys() async throws -> [PluginPublicKey] {
        try await store.listKeys(now: clock.now())
    }

    /// The key whose period contains `now`.
    private func key(at now: Double) -> PluginSigningKey? {
        let duration = Double(keyDurationSeconds)
        return schedule.last { $0.start <= now && now < $0.start + duration }?.key
    }

    /// Whether keys are stored for the current period and the ``lookahead`` after it.
    private func isCovered(at now: Double) -> Bool {
        guard let last = schedule.last else { return false }
        return last.start > now + Double(lookahead - 1) * Double(keyDurationSeconds)
    }

    /// Generates and stores the missing keys, oldest first, so the key signing now is committed first.
    private func extend(at now: Double) async throws {
        let duration = Double(keyDurationSeconds)
        // After a start or a pause longer than the published keys reach, the schedule starts again now.
        if key(at: now) == nil { schedule = [] }
        var next = schedule.last.map { $0.start + duration } ?? now
        while next <= now + Double(lookahead) * duration {
            let key = try PluginSigningKey.generate()
            try await store.addKey(
                key.publicKey, expiresAt: next + Double(Self.expirationFactor) * duration)
            schedule.append((next, key))
            logger.debug("Published plugin key \(key.keyId), signing from \(ISO8601Timestamp.format(next))")
            next += duration
        }
        schedule.removeAll { $0.start + duration <= now }
    }
}
