import BackendKit

/// The plugin's reading of the `search:` config section.
///
/// | key | default | meaning |
/// |---|---|---|
/// | `search.collators.catalog.initialDelay` | `{seconds: 3}` | wait after startup before the first run |
/// | `search.collators.catalog.frequency` | `{minutes: 10}` | time between the end of one run and the next |
/// | `search.collators.catalog.pageSize` | `500` | entities per `GET /entities/by-query` call |
/// | `search.collators.catalog.filter` | none | a catalog `filter` (string or list, OR-ed) limiting what is indexed |
///
/// Durations: milliseconds (`30000`), `"30s"`/`"5m"`/`"1h 30m"`, ISO 8601 (`"PT30S"`) or an
/// object (`{seconds: 30}`, also `minutes`, `hours`, `days`, `weeks`, `milliseconds`).
struct SearchSettings: Sendable, Equatable {
    /// Wait before the first run.
    let initialDelay: Duration
    /// Time between runs.
    let frequency: Duration
    /// Entities per page.
    let pageSize: Int
    /// `filter` values passed to the catalog.
    let filters: [String]

    /// Reads the section from the root config.
    init(config: Config) throws {
        let prefix = "search.collators.catalog"
        initialDelay = try config.getOptionalDuration("\(prefix).initialDelay") ?? .seconds(3)
        frequency = try config.getOptionalDuration("\(prefix).frequency") ?? .seconds(600)
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
