import BackendKit
import Metrics
import Prometheus

extension BackendMetrics {
    /// Metrics that record into a new Prometheus registry, as the host makes them when `backend.metrics.listen` is
    /// set.
    public static func prometheus() -> BackendMetrics {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets[requestDuration] = requestDurationBuckets
        return BackendMetrics(factory: factory, render: { registry.emitToBuffer() })
    }

    /// Runs the collectors, then renders every instrument in the Prometheus text format (version 0.0.4); empty
    /// when the metrics are disabled.
    public func scrape() async -> [UInt8] {
        guard let render else { return [] }
        await collect()
        return render()
    }
}
