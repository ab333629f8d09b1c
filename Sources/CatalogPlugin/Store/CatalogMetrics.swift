import BackendKit

/// `catalog_entities_count{kind}`, Backstage's catalog gauge: the entities of each kind in the shared database, read
/// before every scrape (so every replica reports the same numbers, whoever wrote the entities).
struct CatalogMetrics: Sendable {
    /// The gauge's name.
    static let entitiesCount = "catalog_entities_count"
    /// At most this many kinds get a series of their own; the rest are summed under `_other`, so that clients
    /// registering entities of ever new kinds cannot grow the metrics without bound.
    static let maximumKinds = 100

    /// How long a kind that has no entities left keeps reporting 0 before its series is removed: long enough for
    /// a scrape or two to see the drop, short enough that kinds created and deleted do not pile up.
    static let defaultGoneKindRetention = Duration.seconds(300)

    let store: EntityStore
    let metrics: BackendMetrics
    let logger: Logger
    /// Every kind reported, and since when it has read 0.
    private let reported: ReportedKinds

    init(
        store: EntityStore, metrics: BackendMetrics, logger: Logger,
        goneKindRetention: Duration = Self.defaultGoneKindRetention
    ) {
        self.store = store
        self.metrics = metrics
        self.logger = logger
        self.reported = ReportedKinds(retention: goneKindRetention)
    }

    /// Adds the gauge's refresh to the host's collectors.
    func collect() {
        metrics.onCollect { await refresh() }
    }

    /// Reads the counts and records them; keeps the last values when the database cannot be read (logged unless it is
    /// an outage, which the database logs once).
    func refresh() async {
        let counts: [(kind: String, count: Int)]
        do {
            counts = try await store.countsByKind()
        } catch {
            // An outage is logged once by the database itself; a scrape every few seconds would repeat it.
            if !PluginDatabase.isOutage(error) {
                logger.warning("Could not count the catalog's entities for metrics: \(PluginDatabase.describe(error))")
            }
            return
        }
        var values: [String: Int] = [:]
        for (index, entry) in counts.sorted(by: { $0.count > $1.count }).enumerated() {
            values[index < Self.maximumKinds ? entry.kind : "_other", default: 0] += entry.count
        }
        let (gone, expired) = await reported.remember(Set(values.keys), at: .now)
        for kind in gone {
            values[kind] = 0
        }
        for (kind, count) in values {
            Gauge(label: Self.entitiesCount, dimensions: [("kind", kind)], factory: metrics.factory).record(count)
        }
        for kind in expired {
            Gauge(label: Self.entitiesCount, dimensions: [("kind", kind)], factory: metrics.factory).destroy()
        }
    }
}

/// Every kind reported, and since when each gone one has read 0.
private actor ReportedKinds {
    private let retention: Duration
    /// Kinds reported; the instant a kind was first seen gone, for the gone ones.
    private var kinds: [String: ContinuousClock.Instant?] = [:]

    init(retention: Duration) {
        self.retention = retention
    }

    /// Records the kinds present now; returns the gone kinds that still report 0, and those gone for longer than
    /// the retention, which are forgotten (their series removed).
    func remember(_ present: Set<String>, at now: ContinuousClock.Instant) -> (gone: [String], expired: [String]) {
        var gone: [String] = []
        var expired: [String] = []
        for (kind, since) in kinds where !present.contains(kind) {
            let start = since ?? now
            if now - start >= retention {
                expired.append(kind)
                kinds[kind] = nil
            } else {
                gone.append(kind)
                kinds[kind] = start
            }
        }
        for kind in present { kinds[kind] = .some(nil) }
        return (gone, expired)
    }
}
