import BackendKit

/// The plugin's reading of the `scaffolder:` config section.
///
/// | key | default | meaning |
/// |---|---|---|
/// | `scaffolder.taskTimeout` | `{minutes: 5}` | limit for a whole task (a duration) |
/// | `scaffolder.concurrency` | `2` | tasks run at the same time |
/// | `scaffolder.maxTasks` | `1000` | tasks kept in memory (oldest finished dropped first) |
struct ScaffolderSettings: Sendable, Equatable {
    /// Limit for a whole task.
    let taskTimeout: Duration
    /// Tasks run at the same time.
    let concurrency: Int
    /// Tasks kept in memory.
    let maxTasks: Int

    /// Reads the section from the root config.
    init(config: Config) throws {
        taskTimeout = try config.getOptionalDuration("scaffolder.taskTimeout") ?? .seconds(300)
        concurrency = try Self.positive(config, "scaffolder.concurrency") ?? 2
        maxTasks = try Self.positive(config, "scaffolder.maxTasks") ?? 1000
    }

    private static func positive(_ config: Config, _ key: String) throws -> Int? {
        guard let value = try config.getOptionalInt(key) else { return nil }
        guard value >= 1 else {
            let file = config.source(of: key)?.name ?? "<unknown>"
            throw ConfigError("Invalid value in config for key '\(key)' in '\(file)', wanted a positive integer")
        }
        return value
    }
}
