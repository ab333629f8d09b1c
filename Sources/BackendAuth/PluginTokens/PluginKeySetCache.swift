import BackendJSON
import Logging
import NIOConcurrencyHelpers

/// The key sets of the plugins that send this host plugin tokens, one per issuing plugin (the token's `sub`).
///
/// An issuer's set is fetched when its first token arrives, from the URL the host's discovery gives
/// (`<base URL of the plugin>/.backstage/auth/v1/jwks.json`). It is fetched again only when a token names a `kid`
/// the cached set lacks, and then at most once per ``refetchInterval`` seconds per issuer; every token that needs a
/// fetch under way waits for that one fetch. A token whose `kid` is cached is answered at once, also while a fetch
/// runs, so a steady state fetches nothing. A failed fetch keeps the keys fetched before; its reason (with the URL)
/// is what a token with an unknown `kid` is refused with until a fetch succeeds.
///
/// `BackendAuth` does no HTTP: the host passes the URL of an issuer's set and a ``JSONWebKeySetSource`` that fetches
/// it (the same one the `jwks` externalAccess entries use).
public final class PluginKeySetCache: Sendable {
    /// The least time between two fetches of one issuer's set, in seconds.
    public static let refetchInterval: Double = 30
    /// The most issuers whose sets are kept; beyond it the least recently fetched are dropped.
    public static let maximumIssuers = 1000

    /// The URL of a plugin's key set, from the host's discovery.
    public typealias KeySetURL = @Sendable (_ pluginId: String) async throws -> String

    private let keySetURL: KeySetURL
    private let source: any JSONWebKeySetSource
    private let clock: any WallClock
    private let logger: Logger
    private let issuers = NIOLockedValueBox([String: IssuerKeySet]())

    /// A cache fetching each issuer's set from `keySetURL(pluginId)` through `source`; fetch failures are logged to
    /// `logger` (once per streak, as a warning).
    public init(
        keySetURL: @escaping KeySetURL, source: any JSONWebKeySetSource, clock: any WallClock = SystemClock(),
        logger: Logger
    ) {
        self.keySetURL = keySetURL
        self.source = source
        self.clock = clock
        self.logger = logger
    }

    /// What the cache knows of key `keyId` of plugin `pluginId`, after a fetch when one is due.
    func lookup(issuer pluginId: String, keyId: String) async -> IssuerKeySet.Lookup {
        await keySet(of: pluginId).lookup(keyId: keyId)
    }

    /// How many times the set of `pluginId` was fetched (attempts, failed ones included).
    public func fetchCount(of pluginId: String) -> Int {
        issuers.withLockedValue { $0[pluginId] }?.fetchCount ?? 0
    }

    /// How many fetches were made for all issuers together.
    public var totalFetchCount: Int {
        issuers.withLockedValue { Array($0.values) }.reduce(0) { $0 + $1.fetchCount }
    }

    private func keySet(of pluginId: String) -> IssuerKeySet {
        issuers.withLockedValue { issuers in
            if let existing = issuers[pluginId] { return existing }
            if issuers.count >= Self.maximumIssuers {
                let oldest = issuers.min { $0.value.lastFetchTime < $1.value.lastFetchTime }
                if let oldest { issuers[oldest.key] = nil }
            }
            let created = IssuerKeySet(
                pluginId: pluginId, keySetURL: keySetURL, source: source, clock: clock, logger: logger)
            issuers[pluginId] = created
            return created
        }
    }
}

/// The cached key set of one issuing plugin; see ``PluginKeySetCache``.
final class IssuerKeySet: Sendable {
    /// What a lookup found.
    enum Lookup {
        /// The key.
        case found(PluginPublicKey)
        /// The set (fetched from `url`) has no such key.
        case unknown(url: String)
        /// No set could be fetched; `reason` names the URL and the error.
        case unreachable(reason: String)
    }

    private struct State {
        var keys: [String: PluginPublicKey] = [:]
        var url: String?
        var lastFetch: Double?
        var failure: String?
        var failureStreak = 0
        var fetching: Task<Void, Never>?
        var fetches = 0
    }

    private let pluginId: String
    private let keySetURL: PluginKeySetCache.KeySetURL
    private let source: any JSONWebKeySetSource
    private let clock: any WallClock
    private let logger: Logger
    private let state = NIOLockedValueBox(State())

    init(
        pluginId: String, keySetURL: @escaping PluginKeySetCache.KeySetURL, source: any JSONWebKeySetSource,
        clock: any WallClock, logger: Logger
    ) {
        self.pluginId = pluginId
        self.keySetURL = keySetURL
        self.source = source
        self.clock = clock
        self.logger = logger
    }

    var fetchCount: Int { state.withLockedValue { $0.fetches } }
    var lastFetchTime: Double { state.withLockedValue { $0.lastFetch ?? -.infinity } }

    /// The key `keyId`, fetching first when it is not cached and a fetch is due (or waiting for the one under way).
    func lookup(keyId: String) async -> Lookup {
        let now = clock.now()
        let pending: Task<Void, Never>? = state.withLockedValue { state in
            if state.keys[keyId] != nil { return nil }
            if let fetching = state.fetching { return fetching }
            if let last = state.lastFetch, now - last < PluginKeySetCache.refetchInterval { return nil }
            state.lastFetch = now
            state.fetches += 1
            let task = Task { await self.fetch() }
            state.fetching = task
            return task
        }
        if let pending { await pending.value }
        return state.withLockedValue { state in
            if let key = state.keys[keyId] { return .found(key) }
            if let failure = state.failure { return .unreachable(reason: failure) }
            return .unknown(url: state.url ?? "its key set URL")
        }
    }

    /// One fetch; installs the set, or keeps the old keys and records why it failed.
    private func fetch() async {
        var url: String?
        let result: Result<[PluginPublicKey], FetchFailure>
        do {
            let resolved = try await keySetURL(pluginId)
            url = resolved
            do {
                let document = try await source.fetchKeySet(from: resolved)
                result = .success(try PluginPublicKey.keys(inKeySet: document))
            } catch {
                result = .failure(
                    FetchFailure(
                        reason: "could not fetch the key set of plugin '\(pluginId)' from \(resolved): \(error)"))
            }
        } catch {
            result = .failure(FetchFailure(reason: "could not find the key set of plugin '\(pluginId)': \(error)"))
        }
        let logLine: (Logger.Level, String)? = state.withLockedValue { state in
            state.fetching = nil
            if let url { state.url = url }
            switch result {
            case .success(let keys):
                state.keys = Dictionary(keys.map { ($0.keyId, $0) }, uniquingKeysWith: { first, _ in first })
                state.failure = nil
                defer { state.failureStreak = 0 }
                let count = keys.count == 1 ? "1 key" : "\(keys.count) keys"
                return state.failureStreak > 0
                    ? (.info, "Fetched the key set of plugin '\(pluginId)' again: \(count)")
                    : (.debug, "Fetched the key set of plugin '\(pluginId)': \(count)")
            case .failure(let failure):
                state.failure = failure.reason
                state.failureStreak += 1
                guard state.failureStreak == 1 else { return nil }
                return (
                    .warning,
                    "Plugin tokens of '\(pluginId)' with a key not fetched before are refused: \(failure.reason) "
                        + "(tried again at most every \(Int(PluginKeySetCache.refetchInterval)) s; further failures "
                        + "in a row are not logged)"
                )
            }
        }
        if let (level, message) = logLine { logger.log(level: level, "\(message)") }
    }

    private struct FetchFailure: Error {
        let reason: String
    }
}
