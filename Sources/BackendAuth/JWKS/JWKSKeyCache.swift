/// The cached key set of one `jwks` entry: fetched on first use, refetched when a token names a `kid` the cached set
/// lacks, at most once per ``refetchInterval`` seconds (by the manager's clock), and never twice at once.
actor JWKSKeyCache {
    /// The least time between two fetches, in seconds.
    static let refetchInterval: Double = 30

    private let url: String
    private let source: (any JSONWebKeySetSource)?
    private let clock: any TokenClock
    private var keys: [JSONWebKey] = []
    private var lastFetch: Double?
    private var fetching: Task<Void, Never>?
    /// How many fetches were made (for tests).
    private(set) var fetchCount = 0

    init(url: String, source: (any JSONWebKeySetSource)?, clock: any TokenClock) {
        self.url = url
        self.source = source
        self.clock = clock
    }

    /// The cached keys for a token naming `keyId` (any key when `nil`), fetching first when nothing was fetched yet
    /// or `keyId` is unknown and the last fetch is old enough.
    func keys(for keyId: String?) async -> [JSONWebKey] {
        if let fetching { await fetching.value }
        let known = keys.contains { keyId == nil || $0.keyId == keyId }
        if lastFetch == nil || (!known && clock.now() - (lastFetch ?? 0) >= Self.refetchInterval) {
            await refresh()
        }
        return keys.filter { keyId == nil || $0.keyId == keyId }
    }

    /// Fetches the set once, shared by every caller waiting meanwhile; a failed fetch keeps the old keys.
    private func refresh() async {
        if let fetching {
            await fetching.value
            return
        }
        lastFetch = clock.now()
        fetchCount += 1
        let task = Task { [url, source] () -> [JSONWebKey]? in
            guard let source, let document = try? await source.fetchKeySet(from: url) else { return nil }
            return try? JSONWebKey.keySet(from: document)
        }
        let done = Task { _ = await task.value }
        fetching = done
        if let fetched = await task.value { keys = fetched }
        fetching = nil
    }
}
