/// Where a scheduled task runs.
public enum TaskScope: String, Sendable, Codable, CaseIterable {
    /// At most one run at a time across every replica that shares the plugin's database (the default).
    case global
    /// Every process runs the task on its own schedule.
    case local
}

/// When and how long a scheduled task runs: Backstage's `SchedulerServiceTaskScheduleDefinition` with durations.
///
/// ```swift
/// let schedule = TaskSchedule(frequency: .seconds(600), timeout: .seconds(900), initialDelay: .seconds(3))
/// try await env.scheduler.scheduleTask(id: "refresh", schedule: schedule) { try await refresh() }
/// ```
public struct TaskSchedule: Sendable, Equatable {
    /// Time between the starts of consecutive runs (a run that overruns delays the next one).
    public var frequency: Duration
    /// The longest a run may take; it is cancelled then, and across replicas its lease expires then.
    public var timeout: Duration
    /// How long this process waits after startup before it first tries to run the task.
    public var initialDelay: Duration
    /// `global` (the default) or `local`.
    public var scope: TaskScope

    /// A schedule; `frequency` and `timeout` must be positive.
    public init(frequency: Duration, timeout: Duration, initialDelay: Duration = .zero, scope: TaskScope = .global) {
        self.frequency = frequency
        self.timeout = timeout
        self.initialDelay = initialDelay
        self.scope = scope
    }

    /// Reads a schedule from the config object at `key`, as Backstage's `readSchedulerServiceTaskScheduleDefinitionFromConfig`:
    /// `frequency` and `timeout` (durations, required unless `defaults` gives them), `initialDelay` (a duration) and
    /// `scope` (`global` or `local`).
    ///
    /// ```yaml
    /// search:
    ///   collators:
    ///     catalog:
    ///       schedule: { frequency: { minutes: 10 }, timeout: { minutes: 15 }, initialDelay: { seconds: 3 } }
    /// ```
    ///
    /// - Throws: `ConfigError` naming the key and the file.
    public init(config: Config, key: String, defaults: TaskSchedule? = nil) throws {
        func file(_ child: String) -> String { config.source(of: "\(key).\(child)")?.name ?? "<unknown>" }
        func duration(_ child: String, _ fallback: Duration?) throws -> Duration {
            if case .object(let members)? = config.getOptional("\(key).\(child)"), members["cron"] != nil {
                throw ConfigError(
                    "Invalid value in config for key '\(key).\(child)' in '\(file(child))': cron schedules are not "
                        + "supported, use a duration such as { minutes: 10 }")
            }
            if let value = try config.getOptionalDuration("\(key).\(child)") {
                guard value > .zero || child == "initialDelay" else {
                    throw ConfigError(
                        "Invalid value in config for key '\(key).\(child)' in '\(file(child))', wanted a positive "
                            + "duration")
                }
                return value
            }
            guard let fallback else { throw ConfigError("Missing required config value at '\(key).\(child)'") }
            return fallback
        }
        frequency = try duration("frequency", defaults?.frequency)
        timeout = try duration("timeout", defaults?.timeout)
        initialDelay = try duration("initialDelay", defaults?.initialDelay ?? .zero)
        if let text = try config.getOptionalString("\(key).scope") {
            guard let scope = TaskScope(rawValue: text) else {
                throw ConfigError(
                    "Invalid value in config for key '\(key).scope' in '\(file("scope"))', wanted 'global' or "
                        + "'local', got '\(text)'")
            }
            self.scope = scope
        } else {
            scope = defaults?.scope ?? .global
        }
    }

    /// The settings as Backstage stores them in `settings_json`:
    /// `{"version":2,"cadence":"PT10M","initialDelayDuration":"PT3S","timeoutAfterDuration":"PT15M"}`.
    var settings: JSONValue {
        var members: JSONObject = ["version": .int(2), "cadence": .string(Self.iso(frequency))]
        if initialDelay > .zero { members["initialDelayDuration"] = .string(Self.iso(initialDelay)) }
        members["timeoutAfterDuration"] = .string(Self.iso(timeout))
        return .object(members)
    }

    /// An ISO 8601 duration in the largest whole unit: `PT10M`, `PT1H`, `PT2S`, `PT1.5S`.
    static func iso(_ duration: Duration) -> String {
        let milliseconds = duration.milliseconds
        if milliseconds > 0, milliseconds % 3_600_000 == 0 { return "PT\(milliseconds / 3_600_000)H" }
        if milliseconds > 0, milliseconds % 60_000 == 0 { return "PT\(milliseconds / 60_000)M" }
        if milliseconds % 1000 == 0 { return "PT\(milliseconds / 1000)S" }
        return "PT\(JSONValue.numberText(Double(milliseconds) / 1000))S"
    }
}
