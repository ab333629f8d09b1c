import BackendKit

/// The plugin's reading of the `search:` config section.
///
/// | key | default | meaning |
/// |---|---|---|
/// | `search.collators.catalog.schedule` | see below | the collator's schedule: `frequency`, `timeout`, `initialDelay`, `scope` |
/// | `search.collators.catalog.initialDelay` | `{seconds: 3}` | the schedule's `initialDelay` when `schedule` does not give one |
/// | `search.collators.catalog.frequency` | `{minutes: 10}` | the schedule's `frequency` when `schedule` does not give one |
/// | `search.collators.catalog.pageSize` | `500` | entities per `GET /entities/by-query` call |
/// | `search.collators.catalog.filter` | none | a catalog `filter` (string or list, OR-ed) limiting what is indexed |
///
/// The schedule's `timeout` defaults to 15 minutes and its `scope` to `global`: across replicas sharing the
/// database one of them collates per period, and every replica serves the stored result.
///
/// Durations: milliseconds (`30000`), `"30s"`/`"5m"`/`"1h 30m"`, ISO 8601 (`"PT30S"`) or an
/// object (`{seconds: 30}`, also `minutes`, `hours`, `days`, `weeks`, `milliseconds`).
struct SearchSettings: Sendable, Equatable {
    /// When the collator runs.
    let schedule: TaskSchedule
    /// Entities per page.
    let pageSize: Int
    /// `filter` values passed to the catalog.
    let filters: [String]

    /// Reads the section from the root config.
    init(config: Config) throws {
        let prefix = "search.collators.catalog"
        let legacy = TaskSchedule(
            frequency: try config.getOptionalDuration("\(prefix).frequency") ?? .seconds(600),
            timeout: .seconds(900),
            initialDelay: try config.getOptionalDuration("\(prefix).initialDelay") ?? .seconds(3))
        schedule =
            config.has("\(prefix).schedule")
            ? try TaskSchedule(config: config, key: "\(prefix).schedule", defaults: legacy) : legacy
        let pageSize = try config.getOptionalInt("\(prefix).pageSize") ?? 500
        guard pageSize >= 1 else {
            let file = config.source(of: "\(prefix).pageSize")?.name ?? "<unknown>"
            throw ConfigError(
                "Invalid value in config for key '\(prefix).pageSize' in '\(file)', wanted a positive integer")
        }
        self.pageSize = pageSize
        if case .array = config.getOptional("\(prefix).filter") {
            filters = try config.getStringArray("\(prefix).filter")
        } else {
            filters = try config.getOptionalString("\(prefix).filter").map { [$0] } ?? []
        }
    }
}
