import BackendJSON
import Foundation
import Logging

/// The cached key set of one `jwks` entry: fetched on first use, refetched when a token names a `kid` the cached set
/// lacks, at most once per ``refetchInterval`` seconds (by the manager's clock), and never twice at once.
///
/// A token whose `kid` the cached set has is answered from the cache at once, also while a refetch is under way: only
/// the callers that need the refetch (an unknown `kid`, or nothing fetched yet) wait for it. A failed fetch keeps the
/// cached keys. Fetch failures are logged once per streak of failures, as a warning naming the entry, the origin of
/// its URL and the reason; the first successful fetch after a streak logs a recovery line. Nothing of a token is
/// ever logged here (the cache never sees one), nor the URL's path or credentials.
actor JWKSKeyCache {
    /// The least time between two fetches, in seconds.
    static let refetchInterval: Double = 30

    private let url: String
    private let source: (any JSONWebKeySetSource)?
    private let clock: any WallClock
    private let logger: Logger
    /// How log lines name the entry: its config key and the origin of its URL.
    private let entryName: String
    private var keys: [JSONWebKey] = []
    private var lastFetch: Double?
    private var fetching: Task<Void, Never>?
    /// Fetches that failed since the last one that succeeded.
    private var failureStreak = 0
    /// How many fetches were made (for tests).
    private(set) var fetchCount = 0

    /// A cache of the set at `url`, fetched through `source`, logging to `logger` under `entryKey`
    /// (`backend.auth.externalAccess[0]`).
    init(
        url: String, source: (any JSONWebKeySetSource)?, clock: any WallClock, logger: Logger,
        entryKey: String = "a jwks entry"
    ) {
        self.url = url
        self.source = source
        self.clock = clock
        self.logger = logger
        self.entryName = "\(entryKey) (\(Self.origin(of: url)))"
    }

    /// The cached keys for a token naming `keyId` (any key when `nil`). When the cache has none, this waits for the
    /// fetch under way, or fetches first when nothing was fetched yet or the last fetch is old enough.
    func keys(for keyId: String?) async -> [JSONWebKey] {
        let cached = matching(keyId)
        if !cached.isEmpty { return cached }
        if let fetching { await fetching.value }
        if lastFetch == nil || clock.now() - (lastFetch ?? 0) >= Self.refetchInterval {
            await refresh()
        }
        return matching(keyId)
    }

    /// The cached keys a token naming `keyId` may use.
    private func matching(_ keyId: String?) -> [JSONWebKey] {
        keys.filter { keyId == nil || $0.keyId == keyId }
    }

    /// Fetches the set once, shared by every caller waiting meanwhile; a failed fetch keeps the old keys.
    private func refresh() async {
        if let fetching {
            await fetching.value
            return
        }
        lastFetch = clock.now()
        fetchCount += 1
        let task = Task { [url, source] () -> Result<[JSONWebKey], FetchFailure> in
            guard let source else { return .failure(FetchFailure(reason: "no key set source is configured")) }
            do {
                return .success(try JSONWebKey.keySet(from: try await source.fetchKeySet(from: url)))
            } catch {
                return .failure(FetchFailure(reason: "\(error)"))
            }
        }
        let done = Task { _ = await task.value }
        fetching = done
        record(await task.value)
        fetching = nil
    }

    /// Installs a fetched set, or keeps the cached one; logs the first failure of a streak and the recovery after one.
    private func record(_ result: Result<[JSONWebKey], FetchFailure>) {
        switch result {
        case .success(let fetched):
            if failureStreak > 0 {
                let attempts = failureStreak == 1 ? "1 failed attempt" : "\(failureStreak) failed attempts"
                logger.info(
                    "Fetched the JSON Web Key Set of \(entryName) again after \(attempts): \(Self.count(fetched))")
            } else {
                logger.debug("Fetched the JSON Web Key Set of \(entryName): \(Self.count(fetched))")
            }
            failureStreak = 0
            keys = fetched
        case .failure(let failure):
            if failureStreak == 0 {
                let kept =
                    switch keys.count {
                    case 0: "tokens of this entry are refused"
                    case 1: "the key fetched before is still used"
                    default: "the \(keys.count) keys fetched before are still used"
                    }
                let message =
                    "Could not fetch the JSON Web Key Set of \(entryName): \(failure.reason); \(kept) until a fetch "
                    + "succeeds (it is tried again when a token names an unknown key, at most every "
                    + "\(Int(Self.refetchInterval)) s; further failures in a row are not logged)"
                logger.warning("\(message)")
            }
            failureStreak += 1
        }
    }

    /// `1 key` or `<n> keys`.
    private static func count(_ keys: [JSONWebKey]) -> String {
        keys.count == 1 ? "1 key" : "\(keys.count) keys"
    }

    /// Why a fetch failed.
    private struct FetchFailure: Error {
        /// The reason, for the log.
        let reason: String
    }

    /// `scheme://host[:port]` of `url`, without its user, path or query (which may carry credentials).
    static func origin(of url: String) -> String {
        guard let components = URLComponents(string: url), let scheme = components.scheme, let host = components.host
        else { return "an invalid URL" }
        return "\(scheme.lowercased())://\(host.lowercased())\(components.port.map { ":\($0)" } ?? "")"
    }
}
