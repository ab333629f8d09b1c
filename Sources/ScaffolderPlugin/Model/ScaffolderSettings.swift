import BackendKit

/// The plugin's reading of the `scaffolder:` config section.
///
/// | key | default | meaning |
/// |---|---|---|
/// | `scaffolder.taskTimeout` | `{minutes: 5}` | limit for a whole task (a duration) |
/// | `scaffolder.concurrentTasksLimit` | `10` | tasks this process runs at the same time; `0`: it only accepts tasks |
/// | `scaffolder.concurrency` | — | deprecated alias of `concurrentTasksLimit` (a warning is logged) |
/// | `scaffolder.taskTimeoutJanitorFrequency` | `{seconds: 30}` | how often stale `processing` tasks are failed |
/// | `scaffolder.taskHeartbeatTimeout` | `{seconds: 30}` | a `processing` task whose heartbeat is older is failed |
/// | `scaffolder.eventsWaitTimeout` | `{seconds: 30}` | how long `GET /v2/tasks/:id/events` waits for a new event |
/// | `scaffolder.eventsKeepAliveInterval` | `{seconds: 15}` | the longest silence on `GET /v2/tasks/:id/eventstream` before a comment line |
/// | `scaffolder.maxTasks`, `.maxOpenTasksPerCaller`, … | see ``ScaffolderLimits`` | the bounds on tasks, templates, logs and pages |
struct ScaffolderSettings: Sendable, Equatable {
    /// Limit for a whole task.
    let taskTimeout: Duration
    /// Tasks this process runs at the same time.
    let concurrentTasksLimit: Int
    /// The bounds on tasks, templates, logs and pages.
    let limits: ScaffolderLimits
    /// Tasks kept (``ScaffolderLimits/maxTasks``).
    var maxTasks: Int { limits.maxTasks }
    /// How often the janitor looks for stale tasks.
    let janitorFrequency: Duration
    /// How old a heartbeat may get before its task is failed.
    let heartbeatTimeout: Duration
    /// How long `GET /v2/tasks/:id/events` waits for a new event before it answers `[]` (Backstage's 30 s).
    let eventsWaitTimeout: Duration
    /// The longest an event stream stays silent before it sends a comment line, so that proxies keep it open.
    let eventsKeepAliveInterval: Duration
    /// Problems worth a warning (deprecated keys).
    let warnings: [String]

    /// Reads the section from the root config.
    init(config: Config) throws {
        taskTimeout = try config.getOptionalDuration("scaffolder.taskTimeout") ?? .seconds(300)
        var warnings: [String] = []
        if let limit = try config.getOptionalInt("scaffolder.concurrentTasksLimit", minimum: 0) {
            concurrentTasksLimit = limit
        } else if let legacy = try config.getOptionalInt("scaffolder.concurrency", minimum: 0) {
            concurrentTasksLimit = legacy
            warnings.append(
                "The config key 'scaffolder.concurrency' is deprecated; use 'scaffolder.concurrentTasksLimit' instead")
        } else {
            concurrentTasksLimit = 10
        }
        limits = try ScaffolderLimits(config: config)
        janitorFrequency = try Self.positiveDuration(config, "scaffolder.taskTimeoutJanitorFrequency") ?? .seconds(30)
        heartbeatTimeout = try Self.positiveDuration(config, "scaffolder.taskHeartbeatTimeout") ?? .seconds(30)
        eventsWaitTimeout = try Self.positiveDuration(config, "scaffolder.eventsWaitTimeout") ?? .seconds(30)
        eventsKeepAliveInterval =
            try Self.positiveDuration(config, "scaffolder.eventsKeepAliveInterval") ?? .seconds(15)
        self.warnings = warnings
    }

    private static func positiveDuration(_ config: Config, _ key: String) throws -> Duration? {
        guard let value = try config.getOptionalDuration(key) else { return nil }
        guard value > .zero else {
            let file = config.source(of: key)?.name ?? "<unknown>"
            throw ConfigError("Invalid value in config for key '\(key)' in '\(file)', wanted a positive duration")
        }
        return value
    }
}
