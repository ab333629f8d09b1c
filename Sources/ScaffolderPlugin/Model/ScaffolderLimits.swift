import BackendKit

/// The bounds on what one caller can make the scaffolder do, so that no single request or caller can exhaust the
/// process's memory, the database or the task queue.
///
/// | key | default | bounds |
/// |---|---|---|
/// | `scaffolder.maxTasks` | 1000 | tasks kept (oldest finished dropped first), and unfinished (`open` or `processing`) tasks: at this many, `POST /v2/tasks` answers 503 with `Retry-After` |
/// | `scaffolder.maxOpenTasksPerCaller` | 100 | unfinished tasks of one caller (the token's subject); at this many, 429 with `Retry-After` (not applied with auth off, where callers have no subject) |
/// | `scaffolder.maxTemplateSteps` | 100 | steps of a template (400 at submit) |
/// | `scaffolder.maxStepInputBytes` | 1048576 (1 MiB) | the JSON text of one step's rendered input (and `if`), and of the rendered `spec.output` (400 at submit, a failed task when step outputs make it larger at run time) |
/// | `scaffolder.maxLogEventBytes` | 65536 (64 KiB) | one task log message, marker included; the rest is cut with `… [truncated: N bytes]` |
/// | `scaffolder.maxTaskLogBytes` | 1048576 (1 MiB) | the log messages of one task; later lines are dropped after one marker line (the final line is always kept) |
/// | `scaffolder.maxPageSize` | 1000 | `limit` of `GET /v2/tasks` (100 when not given) |
/// | `scaffolder.maxResponseBytes` | 16777216 (16 MiB) | the JSON of one `GET /v2/tasks` page; a larger page is refused with 400 |
struct ScaffolderLimits: Sendable, Equatable {
    /// `scaffolder.maxTasks`.
    var maxTasks = 1000
    /// `scaffolder.maxOpenTasksPerCaller`.
    var maxOpenTasksPerCaller = 100
    /// `scaffolder.maxTemplateSteps`.
    var maxTemplateSteps = 100
    /// `scaffolder.maxStepInputBytes`.
    var maxStepInputBytes = 1024 * 1024
    /// `scaffolder.maxLogEventBytes`.
    var maxLogEventBytes = 64 * 1024
    /// `scaffolder.maxTaskLogBytes`.
    var maxTaskLogBytes = 1024 * 1024
    /// `scaffolder.maxPageSize`.
    var maxPageSize = 1000
    /// `scaffolder.maxResponseBytes`.
    var maxResponseBytes = 16 * 1024 * 1024

    /// `limit` of `GET /v2/tasks` when none is given (at most ``maxPageSize``).
    static let defaultPageSize = 100
    /// The `Retry-After` of a task refused because the queue or the caller's share of it is full: 10 seconds.
    static let retryAfterSeconds = 10
    /// The smallest `scaffolder.maxLogEventBytes`, room for the truncation marker and some text.
    static let minimumLogEventBytes = 128

    /// The defaults.
    init() {}

    /// Reads the keys from the root config, the defaults where a key is unset; a value that is not a positive
    /// integer (or below a key's minimum) is a `ConfigError` naming the key and the file.
    init(config: Config) throws {
        func read(_ name: String, _ value: inout Int, minimum: Int = 1) throws {
            value = try config.getOptionalInt("scaffolder.\(name)", minimum: minimum) ?? value
        }
        try read("maxTasks", &maxTasks)
        try read("maxOpenTasksPerCaller", &maxOpenTasksPerCaller)
        try read("maxTemplateSteps", &maxTemplateSteps)
        try read("maxStepInputBytes", &maxStepInputBytes)
        try read("maxLogEventBytes", &maxLogEventBytes, minimum: Self.minimumLogEventBytes)
        try read("maxTaskLogBytes", &maxTaskLogBytes)
        try read("maxPageSize", &maxPageSize)
        try read("maxResponseBytes", &maxResponseBytes)
    }

    /// The `limit` of a page when the request gives none.
    var defaultPageSize: Int { min(Self.defaultPageSize, maxPageSize) }
}
