import BackendRuntime
import Foundation
import Testing

@testable import BackendKit

@Suite("Caller label of backend_auth_callers_total")
struct CallerMetricsTests {
    /// The `caller` label values and counts of the `outcome="allowed"` series of plugin `catalog` in a scrape.
    static func callers(_ metrics: BackendMetrics) async -> [String: Int] {
        let text = String(decoding: await metrics.scrape(), as: UTF8.self)
        var counts: [String: Int] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("backend_auth_callers_total{") {
            guard let start = line.range(of: #"caller=""#), let value = line.split(separator: " ").last,
                let count = Int(value)
            else { continue }
            let caller = line[start.upperBound...].prefix { $0 != "\"" }
            counts[String(caller)] = count
        }
        return counts
    }

    @Test("the first 100 distinct callers get their own label value, later ones share _other")
    func bounded() async {
        let metrics = BackendMetrics.prometheus()
        for index in 0..<(BackendMetrics.maximumCallerLabels + 2) {
            metrics.recordCaller(pluginId: "catalog", subject: "plugin:p\(index)", outcome: .allowed)
        }
        metrics.recordCaller(pluginId: "catalog", subject: "plugin:p0", outcome: .allowed)
        let counts = await Self.callers(metrics)
        #expect(counts.count == BackendMetrics.maximumCallerLabels + 1)
        #expect(counts["plugin:p0"] == 2)
        #expect(counts["plugin:p99"] == 1)
        #expect(counts["plugin:p100"] == nil)
        #expect(counts["_other"] == 2)
    }
}
