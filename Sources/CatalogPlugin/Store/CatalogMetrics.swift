import BackendKit
import CoreMetrics

/// `catalog_entities_count{kind}`, Backstage's catalog gauge: the entities of each kind in the shared database, read
/// before every scrape (so every replica reports the same numbers, whoever wrote the entities).
struct CatalogMetrics: Sendable {
    /// The gauge's name.
    static let entitiesCount = "catalog_entities_count"
    /// At most this many kinds get a series of their own; the rest are summed under `_other`, so that clients
    /// registering entities of ever new kinds cannot grow the metrics without bound.
    static let maximumKinds = 100

    let store: EntityStore
    let metrics: BackendMetrics
    let logger: Logger
    /// Every kind reported so far, set to 0 when it is gone.
    private let reported = ReportedKinds()

    init(store: EntityStore, metrics: BackendMetrics, logger: Logger) {
        self.store = store
        self.metrics = metrics
        self.logger = logger
    }

    /// Adds the gauge's refresh to the host's collectors.
    func collect() {
        metrics.onCollect { await refresh() }
    }

    /// Reads the counts and records them; keeps the last values when the database cannot be read.
    func refresh() async {
        let counts: [(kind: String, count: Int)]
        do {
            counts = try await store.countsByKind()
        } catch {
            logger.warning("Could not count the catalog's entities for metrics: \(PluginDatabase.describe(error))")
            return
        }
        var values: [String: Int] = [:]
        for (index, entry) in counts.sorted(by: { $0.count > $1.count }).enumerated() {
            values[index < Self.maximumKinds ? entry.kind : "_other", default: 0] += entry.count
        }
        for kind in await reported.remember(Set(values.keys)) {
            values[kind] = values[kind] ?? 0
        }
        for (kind, count) in values {
            Gauge(label: Self.entitiesCount, dimensions: [("kind", kind)], factory: metrics.factory).record(count)
        }
    }
}

/// Every kind reported so far.
private actor ReportedKinds {
    private var kinds: Set<String> = []

    /// Adds `new` and returns the kinds reported before, which may now be gone.
    func remember(_ new: Set<String>) -> Set<String> {
        defer { kinds = kinds.union(new) }
        return kinds
    }
}
