import CoreMetrics
import Metrics
import NIOConcurrencyHelpers

/// The host's metrics: swift-metrics instruments recorded into one registry per host, which the metrics listener
/// (`backend.metrics.listen`) serves as `GET /metrics` (the host runtime makes the Prometheus registry; plugins see
/// only the swift-metrics factory, so a plugin package does not link the exporter).
///
/// The host records requests, authentication failures and scheduled task runs itself. A plugin makes its own
/// instruments with ``factory`` and, for values it reads rather than counts (rows in a table), refreshes gauges in
/// a collector that runs before every scrape:
///
/// ```swift
/// let notes = Gauge(label: "notes_count", factory: env.metrics.factory)
/// env.metrics.onCollect {
///     if let count = try? await store.count() { notes.record(count) }
/// }
/// ```
///
/// Without a metrics listener the factory is swift-metrics' no-op factory and nothing is recorded, so plugins need
/// no special case. Every instrument of one name must have one type (Prometheus' rule; swift-prometheus stops the
/// process on a conflict), so prefix a plugin's metric names with the plugin id.
///
/// Labels are bounded by construction: routes are the route templates, never raw paths; methods outside the
/// standard ones are `_OTHER`, as OpenTelemetry's HTTP conventions say; nothing from a body, and nothing from a token
/// the host did not verify, is a label. The one label from a token, the `caller` of `backend_auth_callers_total`, is
/// the subject of a verified caller (`plugin:<id>` of a plugin token whose key set discovery found, the subject of a
/// `backend.auth.keys` key or an externalAccess entry), and the first ``maximumCallerLabels`` distinct subjects get
/// their own value, later ones `_other`.
public final class BackendMetrics: Sendable {
    /// Whether anything is recorded (a metrics listener is configured).
    public let isEnabled: Bool
    /// The swift-metrics factory to make instruments with (`Counter(label:dimensions:factory:)`, …).
    public let factory: any MetricsFactory
    /// Renders every instrument for a scrape; `nil` when disabled.
    package let render: (@Sendable () -> [UInt8])?
    private let collectors = NIOLockedValueBox<[@Sendable () async -> Void]>([])
    /// The request histogram of each series seen. Making a swift-metrics `Timer` per request (a dimensions array,
    /// label validation and two dictionary lookups in the registry) measured 7.8% more server CPU per request than
    /// no metrics (bench-http, median of 3 rounds); with this one lookup it is 3% (median of 5). Bounded: routes ×
    /// methods × status codes.
    private let requestTimers = NIOLockedValueBox<[RequestSeries: Timer]>([:])
    /// The counter of each caller series seen, and the caller label values given out so far.
    private let callerCounters = NIOLockedValueBox(CallerCounters())

    /// Metrics that record nothing (no metrics listener).
    public static let disabled = BackendMetrics(factory: NOOPMetricsHandler.instance, render: nil)

    /// Metrics that record through `factory`; `render` renders them for a scrape (the host runtime's exporter).
    package init(factory: any MetricsFactory, render: (@Sendable () -> [UInt8])?) {
        self.factory = factory
        self.render = render
        self.isEnabled = render != nil
    }

    /// The default port of `backend.metrics.listen` in the object form without `port`: the one Backstage's
    /// OpenTelemetry Prometheus exporter uses.
    public static let defaultPort = 9464

    /// `backend.metrics.listen` of the root config (a port, `"host:port"` or `{host, port}`), or `nil` when it is
    /// absent: then there is no metrics listener.
    ///
    /// - Throws: `ConfigError` naming the key and file for a wrong type, a malformed address or a port outside
    ///   0…65535.
    public static func listenAddress(in config: Config) throws -> ListenAddress? {
        try ListenAddress.fromConfig(config, key: "backend.metrics.listen", defaultPort: defaultPort)
    }

    /// Adds work that runs before every scrape, in the order added, to bring gauges up to date. Keep it quick: the
    /// scrape waits for it.
    public func onCollect(_ collector: @escaping @Sendable () async -> Void) {
        guard isEnabled else { return }
        collectors.withLockedValue { $0.append(collector) }
    }

    /// Runs the collectors, in the order added, so that gauges are current before a scrape renders them.
    package func collect() async {
        for collector in collectors.withLockedValue({ $0 }) {
            await collector()
        }
    }
}

// MARK: - What the host records

extension BackendMetrics {
    /// OpenTelemetry's HTTP server duration histogram, in seconds.
    package static let requestDuration = "http_server_request_duration_seconds"
    /// Authentication failures of protected routes, by plugin and reason.
    static let authFailures = "backend_auth_failures_total"
    /// Verified callers of protected routes, by plugin, caller subject and outcome.
    static let authCallers = "backend_auth_callers_total"
    /// Backstage's scheduler metric: runs of scheduled tasks by task, scope and result.
    static let taskRuns = "backend_tasks_task_runs_count"
    /// Open database connections of each plugin, by state (`in_use`, `idle`).
    static let databaseConnections = "backend_database_connections"

    /// OpenTelemetry's recommended boundaries for `http.server.request.duration`.
    package static let requestDurationBuckets: [Duration] = [
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(75),
        .milliseconds(100), .milliseconds(250), .milliseconds(500), .milliseconds(750), .seconds(1),
        .milliseconds(2500), .seconds(5), .milliseconds(7500), .seconds(10),
    ]

    /// The methods that are their own label value; others are `_OTHER`, so a client cannot make new series.
    private static let knownMethods: Set<String> = [
        "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH",
    ]

    /// Records one request: `route` is the matched route template (empty when no route matched).
    package func recordRequest(method: String, status: Int, route: String, duration: Duration) {
        guard isEnabled else { return }
        let series = RequestSeries(
            method: Self.knownMethods.contains(method) ? method : "_OTHER", status: status, route: route)
        let timer =
            requestTimers.withLockedValue { $0[series] }
            ?? requestTimers.withLockedValue { timers in
                if let timer = timers[series] { return timer }
                let dimensions = [
                    ("http_request_method", series.method),
                    ("http_response_status_code", String(status)),
                    ("http_route", route),
                    ("plugin", PluginIdentifier.pluginId(ofRoute: route).map(String.init) ?? ""),
                ]
                let timer = Timer(label: Self.requestDuration, dimensions: dimensions, factory: factory)
                timers[series] = timer
                return timer
            }
        timer.record(duration: duration)
    }

    /// The labels of one request series.
    private struct RequestSeries: Hashable {
        let method: String
        let status: Int
        let route: String
    }

    /// Records that a verified caller reached a protected route of `pluginId` (`allowed`), or was refused it with a
    /// 403 (`restricted`: `accessRestrictions` or `backend.auth.pluginAccess`). `subject` must come from a verified
    /// token; beyond ``maximumCallerLabels`` distinct subjects the label is `_other`.
    func recordCaller(pluginId: String, subject: String, outcome: CallerOutcome) {
        guard isEnabled else { return }
        let factory = factory
        let counter = callerCounters.withLockedValue { state in
            let caller: String
            if state.callers.contains(subject) {
                caller = subject
            } else if state.callers.count < Self.maximumCallerLabels {
                state.callers.insert(subject)
                caller = subject
            } else {
                caller = Self.otherCaller
            }
            let series = CallerSeries(plugin: pluginId, caller: caller, outcome: outcome)
            if let counter = state.counters[series] { return counter }
            let dimensions = [("plugin", pluginId), ("caller", caller), ("outcome", outcome.rawValue)]
            let counter = Counter(label: Self.authCallers, dimensions: dimensions, factory: factory)
            state.counters[series] = counter
            return counter
        }
        counter.increment()
    }

    /// The most distinct `caller` label values of `backend_auth_callers_total`; later callers share `_other`.
    public static let maximumCallerLabels = 100
    /// The `caller` label of callers beyond ``maximumCallerLabels``.
    static let otherCaller = "_other"

    /// The `outcome` label of `backend_auth_callers_total`.
    enum CallerOutcome: String, Sendable {
        /// The request passed the route guard.
        case allowed
        /// A 403: the caller's `accessRestrictions`, or `backend.auth.pluginAccess`, exclude the plugin.
        case restricted
    }

    /// The labels of one caller series.
    private struct CallerSeries: Hashable {
        let plugin: String
        let caller: String
        let outcome: CallerOutcome
    }

    /// The caller counters and the caller label values given out.
    private struct CallerCounters {
        var counters: [CallerSeries: Counter] = [:]
        var callers: Set<String> = []
    }

    /// Records a refused request to a protected route of `pluginId`.
    func recordAuthFailure(pluginId: String, reason: AuthFailureReason) {
        guard isEnabled else { return }
        Counter(
            label: Self.authFailures, dimensions: [("plugin", pluginId), ("reason", reason.label)], factory: factory
        )
        .increment()
    }

    /// Records that a run of a scheduled task started or ended.
    func recordTaskRun(taskId: String, scope: TaskScope, result: TaskRunResult) {
        guard isEnabled else { return }
        let dimensions = [("taskId", taskId), ("scope", scope.rawValue), ("result", result.rawValue)]
        Counter(label: Self.taskRuns, dimensions: dimensions, factory: factory).increment()
    }

    /// Samples each database's connections before every scrape.
    package func collectDatabaseConnections(_ databases: [PluginDatabase]) {
        let factory = self.factory
        onCollect {
            for database in databases {
                let usage = database.connectionUsage
                for (state, value) in [("in_use", usage.inUse), ("idle", usage.idle)] {
                    Gauge(
                        label: Self.databaseConnections, dimensions: [("plugin", database.pluginId), ("state", state)],
                        factory: factory
                    ).record(value)
                }
            }
        }
    }

    /// The bounded `reason` label of `backend_auth_failures_total`: an authentication failure's kind, or
    /// `restricted` for the 403 of `accessRestrictions`.
    enum AuthFailureReason: Sendable, Equatable {
        case refused(AuthenticationError.Kind)
        case restricted

        /// The label value.
        var label: String {
            switch self {
            case .refused(let kind): kind.rawValue
            case .restricted: "restricted"
            }
        }
    }

    /// The `result` label of `backend_tasks_task_runs_count`.
    enum TaskRunResult: String, Sendable {
        case started, completed, failed
    }
}
