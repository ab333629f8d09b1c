import BackendKit

extension ScaffolderPlugin {
    /// The keys of the `scaffolder` section: the task worker's timeouts and concurrency, and the bounds on tasks,
    /// templates, logs and pages.
    public var configSchema: ConfigSchema {
        let limits = ScaffolderLimits()
        func limit(_ name: String, _ value: Int, _ description: String) -> ConfigSchema.Key {
            .init("scaffolder.\(name)", type: .integer, default: .int(value), description: description)
        }
        return ConfigSchema([
            .init("scaffolder", type: .object, description: "The sample scaffolder."),
            .init("scaffolder.taskTimeout", type: .duration, default: "5m", description: "Limit of a whole task."),
            .init(
                "scaffolder.concurrentTasksLimit", type: .integer, default: 10,
                description: "Tasks this process runs at once; 0 accepts tasks and runs none."),
            .init(
                "scaffolder.concurrency", type: .integer,
                description: "Deprecated alias of scaffolder.concurrentTasksLimit."),
            .init(
                "scaffolder.taskHeartbeatTimeout", type: .duration, default: "30s",
                description: "A processing task whose heartbeat is older is failed."),
            .init(
                "scaffolder.taskTimeoutJanitorFrequency", type: .duration, default: "30s",
                description: "How often stale processing tasks are looked for."),
            .init(
                "scaffolder.eventsWaitTimeout", type: .duration, default: "30s",
                description: "How long GET /v2/tasks/:id/events waits for a new event before it answers []."),
            .init(
                "scaffolder.eventsKeepAliveInterval", type: .duration, default: "15s",
                description: "The longest silence on GET /v2/tasks/:id/eventstream before a comment line."),
            limit(
                "maxTasks", limits.maxTasks,
                "Tasks kept (oldest finished dropped first), and unfinished tasks accepted."),
            limit("maxOpenTasksPerCaller", limits.maxOpenTasksPerCaller, "Unfinished tasks of one caller (429 above)."),
            limit("maxTemplateSteps", limits.maxTemplateSteps, "Steps of a template."),
            limit(
                "maxStepInputBytes", limits.maxStepInputBytes, "Bytes of one step's rendered input, and of the output."),
            limit(
                "maxLogEventBytes", limits.maxLogEventBytes,
                "Bytes of one task log message (at least \(ScaffolderLimits.minimumLogEventBytes))."),
            limit("maxTaskLogBytes", limits.maxTaskLogBytes, "Bytes of the log messages of one task."),
            limit("maxPageSize", limits.maxPageSize, "`limit` of GET /v2/tasks."),
            limit("maxResponseBytes", limits.maxResponseBytes, "Bytes of the JSON of one GET /v2/tasks page."),
        ])
    }
}
