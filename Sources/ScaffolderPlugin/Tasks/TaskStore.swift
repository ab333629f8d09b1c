import BackendKit
import Foundation

/// The scaffolder's tasks and their events in the plugin's database, as Backstage keeps them: a `tasks` row per
/// task (its template, status, heartbeat and progress) and a `task_events` row per log line. Keeps the most recent
/// `capacity` tasks, dropping the oldest finished ones first.
///
/// Every method is one transaction or one query, so the state survives a restart and any process that shares the
/// database sees the same tasks.
struct TaskStore: Sendable {
    /// The plugin's database.
    let database: PluginDatabase
    /// The most tasks kept (at least 1).
    let capacity: Int

    /// A store in `database` keeping at most `capacity` tasks.
    init(database: PluginDatabase, capacity: Int = 1000) {
        self.database = database
        self.capacity = max(1, capacity)
    }

    static let migrations = [
        DatabaseMigration(id: "20261201_01_tasks") { db in
            try await db.create(table: "tasks")
                .column("id", type: .text, .primaryKey(autoIncrement: false))
                .column("position", type: .bigint, .notNull)
                .column("status", type: .text, .notNull)
                .column("template_ref", type: .text, .notNull)
                .column("template", type: .text, .notNull)
                .column("state", type: .text, .notNull)
                .column("created_at", type: .text, .notNull)
                .column("last_heartbeat_at", type: .text, .notNull)
                .run()
            try await db.create(index: "tasks_status_idx").on("tasks").column("status").run()
        },
        DatabaseMigration(id: "20261201_02_task_events") { db in
            try await db.create(table: "task_events")
                .column("id", type: .bigint, .primaryKey(autoIncrement: true))
                .column("task_id", type: .text, .notNull, .references("tasks", "id", onDelete: .cascade))
                .column("event_type", type: .text, .notNull)
                .column("body", type: .text, .notNull)
                .column("created_at", type: .text, .notNull)
                .run()
            try await db.create(index: "task_events_task_id_idx").on("task_events").column("task_id").run()
        },
        DatabaseMigration(id: "20261202_01_tasks_created_by") { db in
            try await db.alter(table: "tasks").column("created_by", type: .text).run()
        },
    ]

    /// Creates the tables if needed.
    func migrate() async throws {
        try await database.migrate(Self.migrations)
    }

    /// Records a new `open` task for `template` with `values`, created by the caller with subject `createdBy`, and
    /// returns it.
    func create(
        template: TemplateDefinition, values: JSONObject, createdBy: String? = nil
    ) async throws -> ScaffolderTask {
        let now = ISO8601Timestamp.now()
        let task = ScaffolderTask(
            id: UUID().uuidString.lowercased(), templateRef: template.ref.description, values: values, status: .open,
            createdAt: now, lastHeartbeatAt: now, completedAt: nil,
            steps: template.steps.map {
                TaskStep(id: $0.id, name: $0.name, action: $0.action, status: .open, startedAt: nil, endedAt: nil)
            },
            log: [], output: nil, error: nil, createdBy: createdBy)
        let first = TaskLogEntry(
            createdAt: now, stepId: nil, level: "info", message: "Task created for \(template.ref)")
        let state = try Self.encode(task)
        let templateText = template.entity.jsonText(options: .sortedKeys)
        let capacity = self.capacity
        let clock = database.clock
        try await database.transaction { db in
            let last =
                try await db.select().column(SQLFunction("MAX", args: SQLColumn("position")), as: "last")
                .from("tasks").first(decodingColumn: "last", as: Int?.self) ?? nil
            try await db.insert(into: "tasks")
                .columns(
                    "id", "position", "status", "template_ref", "template", "state", "created_at", "last_heartbeat_at",
                    "created_by"
                )
                .values(
                    SQLBind(task.id), SQLBind((last ?? 0) + 1), SQLBind(task.status.rawValue),
                    SQLBind(task.templateRef),
                    SQLBind(templateText), SQLBind(state), SQLBind(now), clock.now, SQLBind(createdBy)
                )
                .run()
            try await Self.insertEvent(first, taskId: task.id, into: db)
            try await Self.evict(db, capacity: capacity)
        }
        var created = task
        created.log = [first]
        return created
    }

    /// The task with this id, if it is still kept.
    func task(_ id: String) async throws -> ScaffolderTask? {
        try await database.withSession { db in
            guard
                let row = try await db.select().columns("state", "last_heartbeat_at", "created_by").from("tasks")
                    .where("id", .equal, id).first()
            else { return nil }
            var task = try Self.decode(row)
            task.log = try await Self.events(db, taskIds: [id])[id] ?? []
            return task
        }
    }

    /// The template a task runs.
    func template(forTask id: String) async throws -> TemplateDefinition? {
        let row = try await database.withSession { db in
            try await db.select().columns("template_ref", "template").from("tasks").where("id", .equal, id)
                .first()
        }
        guard let row else { return nil }
        let ref = try TemplateRef.parse(try row.decode(column: "template_ref", as: String.self))
        let entity = try JSONDecoder().decode(
            JSONValue.self, from: Data(try row.decode(column: "template", as: String.self).utf8))
        return try TemplateDefinition(entity: entity, ref: ref)
    }

    /// Every kept task in creation order, optionally only those with `status`.
    func list(status: TaskStatus? = nil) async throws -> [ScaffolderTask] {
        try await database.withSession { db in
            var query = db.select().columns("id", "state", "last_heartbeat_at", "created_by").from("tasks")
            if let status { query = query.where("status", .equal, status.rawValue) }
            let rows = try await query.orderBy("position").orderBy("id").all()
            var tasks = try rows.map { try Self.decode($0) }
            let logs = try await Self.events(db, taskIds: tasks.map(\.id))
            for index in tasks.indices { tasks[index].log = logs[tasks[index].id] ?? [] }
            return tasks
        }
    }

    /// Applies `change` to the task's progress and refreshes its heartbeat, in one transaction, if the task's status
    /// is still `expected` (the worker's view; the janitor may have failed it meanwhile); returns the updated task
    /// without its log (the worker never reads it, and re-reading every event on each step was a measured share of
    /// a task's cost; log lines are added with ``appendLog(_:stepId:level:message:)``), or nil when the task is gone
    /// or its status moved on.
    @discardableResult
    func update(
        _ id: String, ifStatus expected: TaskStatus = .processing,
        _ change: @escaping @Sendable (inout ScaffolderTask) -> Void
    ) async throws
        -> ScaffolderTask?
    {
        let clock = database.clock
        return try await database.transaction { db in
            guard
                let row = try await db.select().columns("state", "last_heartbeat_at", "created_by").from("tasks")
                    .where("id", .equal, id).where("status", .equal, expected.rawValue).first()
            else { return nil }
            var task = try Self.decode(row)
            change(&task)
            task.log = []
            try await db.update("tasks")
                .set("state", to: SQLBind(try Self.encode(task)))
                .set("status", to: SQLBind(task.status.rawValue))
                .set("last_heartbeat_at", to: clock.now)
                .where("id", .equal, id)
                .run()
            return task
        }
    }

    /// Claims the oldest `open` task for this worker: a compare-and-set of its status from `open` to
    /// `processing`, so that of several replicas polling the same database exactly one runs each task. Returns the
    /// task's id, or nil when no task is open.
    func claimNext() async throws -> String? {
        let clock = database.clock
        return try await database.transaction { db in
            let candidates = try await db.select().column("id").from("tasks")
                .where("status", .equal, TaskStatus.open.rawValue)
                .orderBy("position").orderBy("id").limit(8)
                .all(decodingColumn: "id", as: String.self)
            for id in candidates {
                // Another replica may have claimed it since the select: the status condition decides, and on
                // PostgreSQL the update waits for that replica's commit and then finds the row no longer open.
                let claimed = try await db.update("tasks")
                    .set("status", to: SQLBind(TaskStatus.processing.rawValue))
                    .set("last_heartbeat_at", to: clock.now)
                    .where("id", .equal, id).where("status", .equal, TaskStatus.open.rawValue)
                    .returning("state").first(decodingColumn: "state", as: String.self)
                guard let state = claimed else { continue }
                var task = try Self.decode(state)
                task.status = .processing
                try await db.update("tasks").set("state", to: SQLBind(try Self.encode(task)))
                    .where("id", .equal, id).run()
                return id
            }
            return nil
        }
    }

    /// Refreshes the heartbeat of a task this worker runs; false when the task is no longer `processing` (the
    /// janitor failed it), so the worker stops.
    func heartbeat(_ id: String) async throws -> Bool {
        let clock = database.clock
        return try await database.withSession { db in
            try await db.update("tasks").set("last_heartbeat_at", to: clock.now)
                .where("id", .equal, id).where("status", .equal, TaskStatus.processing.rawValue)
                .returning("id").all().count == 1
        }
    }

    /// The ids of `processing` tasks whose heartbeat is older than `timeout` on the database clock.
    func staleTasks(heartbeatTimeout timeout: Duration) async throws -> [String] {
        let clock = database.clock
        return try await database.withSession { db in
            try await db.select().column("id").from("tasks")
                .where("status", .equal, TaskStatus.processing.rawValue)
                .where(SQLColumn("last_heartbeat_at"), .lessThan, clock.now(plus: .zero - timeout))
                .orderBy("position").all(decodingColumn: "id", as: String.self)
        }
    }

    /// Fails task `id` with `message` if it is still `processing` and its heartbeat is still older than `timeout`
    /// (checked again in the transaction, so a worker that has just written one keeps its task); true when it did.
    func failIfStale(_ id: String, heartbeatTimeout timeout: Duration, message: String) async throws -> Bool {
        let clock = database.clock
        let now = ISO8601Timestamp.now()
        let entry = TaskLogEntry(createdAt: now, stepId: nil, level: "error", message: message)
        return try await database.transaction { db in
            guard
                let row = try await db.select().columns("state", "last_heartbeat_at", "created_by").from("tasks")
                    .where("id", .equal, id).where("status", .equal, TaskStatus.processing.rawValue)
                    .where(SQLColumn("last_heartbeat_at"), .lessThan, clock.now(plus: .zero - timeout)).first()
            else { return false }
            var task = try Self.decode(row)
            task.fail(at: now, error: ScaffolderTask.Failure(name: "Error", message: message))
            try await db.update("tasks")
                .set("state", to: SQLBind(try Self.encode(task)))
                .set("status", to: SQLBind(task.status.rawValue))
                .where("id", .equal, id)
                .run()
            try await Self.insertEvent(entry, taskId: id, into: db)
            return true
        }
    }

    /// Appends a log line (and refreshes the heartbeat) and returns it.
    @discardableResult
    func appendLog(
        _ id: String, stepId: String?, level: String = "info", message: String
    ) async throws
        -> TaskLogEntry
    {
        let entry = TaskLogEntry(createdAt: ISO8601Timestamp.now(), stepId: stepId, level: level, message: message)
        try await database.transaction { db in
            try await Self.insertEvent(entry, taskId: id, into: db)
        }
        return entry
    }

    private static func insertEvent(_ entry: TaskLogEntry, taskId: String, into db: any SQLDatabase) async throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try await db.insert(into: "task_events").columns("task_id", "event_type", "body", "created_at")
            .values(
                SQLBind(taskId), SQLBind("log"), SQLBind(String(decoding: try encoder.encode(entry), as: UTF8.self)),
                SQLBind(entry.createdAt)
            )
            .run()
    }

    /// The log lines of `taskIds`, in order, by task.
    private static func events(_ db: any SQLDatabase, taskIds: [String]) async throws -> [String: [TaskLogEntry]] {
        guard !taskIds.isEmpty else { return [:] }
        let decoder = JSONDecoder()
        var result: [String: [TaskLogEntry]] = [:]
        // Chunks keep each statement well under the databases' bind-parameter limits.
        for start in stride(from: 0, to: taskIds.count, by: 500) {
            let chunk = Array(taskIds[start..<min(start + 500, taskIds.count)])
            let rows = try await db.select().columns("task_id", "body").from("task_events")
                .where("task_id", .in, chunk).orderBy("id").all()
            for row in rows {
                let taskId = try row.decode(column: "task_id", as: String.self)
                let body = try row.decode(column: "body", as: String.self)
                result[taskId, default: []].append(try decoder.decode(TaskLogEntry.self, from: Data(body.utf8)))
            }
        }
        return result
    }

    /// Drops the oldest finished tasks (then the oldest of any status) beyond `capacity`.
    private static func evict(_ db: any SQLDatabase, capacity: Int) async throws {
        let count =
            try await db.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "count").from("tasks")
            .first(decodingColumn: "count", as: Int.self) ?? 0
        guard count > capacity else { return }
        let finished = [TaskStatus.completed.rawValue, TaskStatus.failed.rawValue]
        var victims = try await db.select().column("id").from("tasks").where("status", .in, finished)
            .orderBy("position").limit(count - capacity).all(decodingColumn: "id", as: String.self)
        if victims.count < count - capacity {
            victims += try await db.select().column("id").from("tasks").orderBy("position")
                .limit(count - capacity - victims.count).all(decodingColumn: "id", as: String.self)
        }
        try await db.delete(from: "task_events").where("task_id", .in, victims).run()
        try await db.delete(from: "tasks").where("id", .in, victims).run()
    }

    /// The state column: the task without its log (the `task_events` rows) and creator (the `created_by` column).
    private static func encode(_ task: ScaffolderTask) throws -> String {
        var stored = task
        stored.log = []
        stored.createdBy = nil
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(stored), as: UTF8.self)
    }

    private static func decode(_ state: String) throws -> ScaffolderTask {
        try JSONDecoder().decode(ScaffolderTask.self, from: Data(state.utf8))
    }

    /// A task from a row with its `state`, `last_heartbeat_at` and `created_by` columns (the heartbeat column,
    /// written on the database clock, is the heartbeat's one source).
    private static func decode(_ row: any SQLRow) throws -> ScaffolderTask {
        var task = try decode(try row.decode(column: "state", as: String.self))
        task.lastHeartbeatAt = try row.decode(column: "last_heartbeat_at", as: String.self)
        task.createdBy = try row.decode(column: "created_by", as: String?.self)
        return task
    }
}
