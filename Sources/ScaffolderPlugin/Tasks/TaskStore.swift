import BackendKit
import Foundation

/// The scaffolder's tasks and their events in the plugin's database, as Backstage keeps them: a `tasks` row per
/// task (its template, status, heartbeat and progress) and a `task_events` row per log line.
///
/// Its bounds are ``ScaffolderLimits``: it never holds more than `maxTasks` unfinished tasks (a new one is refused
/// with 503) nor more than `maxOpenTasksPerCaller` of one caller (429), never drops an unfinished task, and drops the
/// oldest finished ones beyond `maxTasks`. Log lines are cut to `maxLogEventBytes` and a task's log to about
/// `maxTaskLogBytes`; a list page is refused when its JSON would exceed `maxResponseBytes`.
///
/// Every method is one transaction or one query, so the state survives a restart and any process that shares the
/// database sees the same tasks.
struct TaskStore: Sendable {
    /// The plugin's database.
    let database: PluginDatabase
    /// The bounds on tasks, logs and pages.
    let limits: ScaffolderLimits

    /// A store in `database` within `limits`.
    init(database: PluginDatabase, limits: ScaffolderLimits = ScaffolderLimits()) {
        self.database = database
        self.limits = limits
    }

    /// The most tasks kept (`scaffolder.maxTasks`).
    var capacity: Int { limits.maxTasks }

    /// Tasks read from the database at a time while a list page is built, so that a page that turns out too large
    /// is refused having read little more than the bound.
    static let pageChunk = 8

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
        DatabaseMigration(id: "20261215_01_tasks_log_bytes") { db in
            // The bytes of log messages stored for the task (`scaffolder.maxTaskLogBytes`).
            try await db.alter(table: "tasks")
                .column("log_bytes", type: .bigint, .notNull, .default(SQLLiteral.numeric("0"))).run()
        },
        DatabaseMigration(id: "20261215_02_tasks_created_by_idx") { db in
            // Counts a caller's unfinished tasks from the index alone: on SQLite, reading `created_by` from the row
            // walks the overflow pages of its state first (60 ms per submission with 150 tasks of 1 MB values).
            try await db.create(index: "tasks_created_by_status_idx").on("tasks").column("created_by")
                .column("status").run()
        },
    ]

    /// Creates the tables if needed.
    func migrate() async throws {
        try await database.migrate(Self.migrations)
    }

    /// Records a new `open` task for `template` with `values`, created by the caller with subject `createdBy`, and
    /// returns it; then drops the oldest finished tasks beyond `maxTasks`.
    ///
    /// Refused, without dropping anything, when the caller already has `maxOpenTasksPerCaller` unfinished tasks
    /// (``TooManyRequestsError``, 429; a caller without a subject, with auth off, has no such limit) or when
    /// `maxTasks` tasks are unfinished (``ServiceUnavailableError``, 503); both with `Retry-After`. Creations take
    /// turns (an exclusive transaction), so concurrent ones on several replicas cannot pass a limit together.
    func create(
        template: TemplateDefinition, values: JSONObject, createdBy: String? = nil
    ) async throws -> ScaffolderTask {
        let id = UUID.randomLowercased()
        let templateText = template.entity.jsonText(options: .sortedKeys)
        let limits = self.limits
        let clock = database.clock
        return try await database.exclusiveTransaction(named: "scaffolder-create-task") { db in
            try await Self.admit(db, createdBy: createdBy, limits: limits)
            // Every time of the row (created_at, the state's, the first heartbeat) and of its first event is the
            // database's, as its later heartbeats are: a row never mixes two clocks.
            let now = try await Self.now(db, clock.now)
            let task = ScaffolderTask(
                id: id, templateRef: template.ref.description, values: values, status: .open,
                createdAt: now, lastHeartbeatAt: now, completedAt: nil,
                steps: template.steps.map {
                    TaskStep(id: $0.id, name: $0.name, action: $0.action, status: .open, startedAt: nil, endedAt: nil)
                },
                log: [], output: nil, error: nil, createdBy: createdBy)
            let first = TaskLogEntry(
                createdAt: now, stepId: nil, level: "info", message: "Task created for \(template.ref)")
            let state = try Self.encode(task)
            let last =
                try await db.select().column(SQLFunction("MAX", args: SQLColumn("position")), as: "last")
                .from("tasks").first(decodingColumn: "last", as: Int?.self) ?? nil
            try await db.insert(into: "tasks")
                .columns(
                    "id", "position", "status", "template_ref", "template", "state", "created_at", "last_heartbeat_at",
                    "created_by", "log_bytes"
                )
                .values(
                    SQLBind(task.id), SQLBind((last ?? 0) + 1), SQLBind(task.status.rawValue),
                    SQLBind(task.templateRef),
                    SQLBind(templateText), SQLBind(state), SQLBind(now), SQLBind(now), SQLBind(createdBy),
                    SQLBind(first.message.utf8.count)
                )
                .run()
            try await Self.insertEvent(first, taskId: task.id, into: db)
            try await Self.evict(db, capacity: limits.maxTasks)
            var created = task
            created.log = [first]
            return created
        }
    }

    /// The database's clock now, as the text every stored time of a task is
    /// (`2026-12-01T09:50:47.123Z`): replicas compare heartbeats written by different processes, so the times of
    /// the `tasks` and `task_events` rows all come from the one clock they share.
    func now() async throws -> String {
        let clock = database.clock
        return try await database.withSession { db in try await Self.now(db, clock.now) }
    }

    /// ``now()`` within a session or transaction (`clockNow` is `database.clock.now`).
    static func now(_ db: any SQLDatabase, _ clockNow: SQLQueryString) async throws -> String {
        let now = try await db.select().column(clockNow, as: "now").first(decodingColumn: "now", as: String.self)
        guard let now else {
            throw ServiceUnavailableError("The scaffolder plugin's database did not tell its time; try again later")
        }
        return now
    }

    /// Throws what ``create(template:values:createdBy:)`` would throw for `createdBy` now (429 or 503), so that a
    /// submission that will be refused is refused before any other work; `create` checks again in its transaction.
    func checkAdmission(createdBy: String?) async throws {
        let limits = self.limits
        try await database.withSession { db in try await Self.admit(db, createdBy: createdBy, limits: limits) }
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

    /// The status of task `id`, if it is still kept.
    func status(of id: String) async throws -> TaskStatus? {
        try await database.withSession { db in
            try await db.select().column("status").from("tasks").where("id", .equal, id)
                .first(decodingColumn: "status", as: String.self)
        }.flatMap(TaskStatus.init(rawValue:))
    }

    /// How many events task `id` has (the id of its last event, as ``TaskEvent`` numbers them), or nil when the task
    /// is not kept; one indexed count, for the long poll of `GET /v2/tasks/:id/events`.
    func eventCount(of id: String) async throws -> Int? {
        try await database.withSession { db in
            guard try await db.select().column("id").from("tasks").where("id", .equal, id).first() != nil else {
                return nil
            }
            return try await db.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "count")
                .from("task_events").where("task_id", .equal, id).first(decodingColumn: "count", as: Int.self) ?? 0
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
        let entity = try JSONValue(parsing: try row.decode(column: "template", as: String.self))
        return try TemplateDefinition(entity: entity, ref: ref)
    }

    /// The kept tasks in creation order, optionally only those with `status`, from `offset`, at most `limit`.
    func list(status: TaskStatus? = nil, offset: Int = 0, limit: Int = .max) async throws -> [ScaffolderTask] {
        try await database.withSession { db in
            let ids = try await Self.ids(db, status: status, offset: offset, limit: limit)
            return try await Self.tasks(db, ids: ids)
        }
    }

    /// The body of `GET /v2/tasks` for the tasks with `status` (all when nil) in creation order; see
    /// ``page(_:offset:limit:)``.
    func page(status: TaskStatus?, offset: Int, limit: Int) async throws -> ByteBuffer {
        try await page(TaskListQuery(statuses: status.map { [$0] } ?? []), offset: offset, limit: limit)
    }

    /// The body of `GET /v2/tasks`, `{"tasks":[…],"totalTasks":N}`, as Backstage answers it: the kept tasks that
    /// match `query`'s filters, in its order, from `offset`, at most `limit`, each as
    /// `{id, spec, status, createdAt, lastHeartbeatAt, createdBy?}` (``TaskSummary``), and how many match in all.
    ///
    /// Tasks are read ``pageChunk`` at a time and written as they are read; a page whose JSON would pass
    /// `maxResponseBytes` is refused (``InputError``) as soon as it does, naming the bound and how many tasks fit.
    func page(_ query: TaskListQuery, offset: Int, limit: Int) async throws -> ByteBuffer {
        let maxBytes = limits.maxResponseBytes
        return try await database.withSession { db in
            var count = db.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "count").from("tasks")
            count = Self.filtered(count, query)
            let total = try await count.first(decodingColumn: "count", as: Int.self) ?? 0
            let ids = try await Self.ids(db, query: query, offset: offset, limit: limit)
            let tail = #"],"totalTasks":\#(total)}"#
            var body = ByteBuffer(string: #"{"tasks":["#)
            let encoder = JSONEncoder.backend()
            var written = 0
            for chunk in ids.batches(of: Self.pageChunk) {
                for task in try await Self.summaries(db, ids: Array(chunk)) {
                    let encoded = try encoder.encode(task)
                    let separator = written == 0 ? 0 : 1
                    guard body.readableBytes + separator + encoded.count + tail.utf8.count <= maxBytes else {
                        throw Self.pageTooLarge(
                            maxBytes: maxBytes, fitting: written, of: ids.count, offset: offset, first: task.id)
                    }
                    if separator == 1 { body.writeString(",") }
                    body.writeBytes(encoded)
                    written += 1
                }
            }
            body.writeString(tail)
            return body
        }
    }

    /// `select` restricted to the tasks `query`'s filters admit (any of its creators, any of its statuses).
    private static func filtered(_ select: SQLSelectBuilder, _ query: TaskListQuery) -> SQLSelectBuilder {
        var select = select
        if !query.createdBy.isEmpty { select = select.where("created_by", .in, query.createdBy) }
        if !query.statuses.isEmpty { select = select.where("status", .in, query.statuses.map(\.rawValue)) }
        return select
    }

    /// The list items of the tasks with `ids` that are still kept, in the order of `ids`.
    private static func summaries(_ db: any SQLDatabase, ids: [String]) async throws -> [TaskSummary] {
        let rows = try await db.select()
            .columns(
                "id", "status", "template_ref", "template", "state", "created_at", "last_heartbeat_at", "created_by"
            )
            .from("tasks").where("id", .in, ids).all()
        var found: [String: TaskSummary] = [:]
        for row in rows {
            let id = try row.decode(column: "id", as: String.self)
            let task = try decode(try row.decode(column: "state", as: String.self))
            let template = try JSONValue(parsing: try row.decode(column: "template", as: String.self))
            found[id] = TaskSummary(
                id: id,
                spec: TaskSummary.spec(
                    template: template, templateRef: try row.decode(column: "template_ref", as: String.self),
                    values: task.values),
                status: try row.decode(column: "status", as: String.self),
                createdAt: try row.decode(column: "created_at", as: String.self),
                lastHeartbeatAt: try row.decode(column: "last_heartbeat_at", as: String.self),
                createdBy: try row.decode(column: "created_by", as: String?.self))
        }
        return ids.compactMap { found[$0] }
    }

    private static func pageTooLarge(
        maxBytes: Int, fitting: Int, of count: Int, offset: Int, first: String
    )
        -> InputError
    {
        guard fitting > 0 else {
            return InputError(
                "The task at offset \(offset) alone is larger than \(maxBytes) bytes (scaffolder.maxResponseBytes); "
                    + "read it with GET /v2/tasks/\(first)")
        }
        return InputError(
            "The page would be larger than \(maxBytes) bytes (scaffolder.maxResponseBytes): only the first "
                + "\(fitting) of its \(count) tasks fit; ask for fewer with limit")
    }

    /// The ids of a page, in creation order.
    private static func ids(
        _ db: any SQLDatabase, status: TaskStatus?, offset: Int, limit: Int
    ) async throws
        -> [String]
    {
        try await ids(db, query: TaskListQuery(statuses: status.map { [$0] } ?? []), offset: offset, limit: limit)
    }

    /// The ids of a page of `query`, in its order and then in creation order.
    private static func ids(
        _ db: any SQLDatabase, query: TaskListQuery, offset: Int, limit: Int
    ) async throws
        -> [String]
    {
        guard limit > 0 else { return [] }
        var select = filtered(db.select().column("id").from("tasks"), query)
        for order in query.order {
            let direction: SQLDirection = order.descending ? .descending : .ascending
            switch order.field {
            case .createdAt, .status:
                select = select.orderBy(SQLColumn(order.field.rawValue), direction)
            case .createdBy:
                // A task without a creator (auth off) sorts as the empty name on both engines (SQLite puts NULL
                // first, PostgreSQL last).
                select = select.orderBy(
                    SQLFunction("COALESCE", args: SQLColumn("created_by"), SQLLiteral.string("")), direction)
            }
        }
        // Tasks created in the same millisecond keep their creation order (reversed under `desc:created_at`).
        let newestFirst = query.order.first { $0.field == .createdAt }?.descending == true
        let tieBreak: SQLDirection = newestFirst ? .descending : .ascending
        select = select.orderBy(SQLColumn("position"), tieBreak).orderBy(SQLColumn("id"), tieBreak)
        // SQLite takes an OFFSET only after a LIMIT.
        select = select.limit(limit)
        if offset > 0 { select = select.offset(offset) }
        return try await select.all(decodingColumn: "id", as: String.self)
    }

    /// The tasks with `ids` that are still kept, with their logs, in the order of `ids`.
    private static func tasks(_ db: any SQLDatabase, ids: [String]) async throws -> [ScaffolderTask] {
        var found: [String: ScaffolderTask] = [:]
        for chunk in db.batches(of: ids, bindsPerItem: 1) {
            let rows = try await db.select().columns("state", "last_heartbeat_at", "created_by").from("tasks")
                .where("id", .in, Array(chunk)).all()
            for row in rows {
                let task = try decode(row)
                found[task.id] = task
            }
        }
        let logs = try await events(db, taskIds: ids.filter { found[$0] != nil })
        return ids.compactMap { id in
            guard var task = found[id] else { return nil }
            task.log = logs[id] ?? []
            return task
        }
    }

    /// Applies `change` to the task's progress and refreshes its heartbeat, in one transaction, if the task's status
    /// is still `expected` (the worker's view; the janitor may have failed it meanwhile); returns the updated task
    /// without its log (the worker never reads it, and re-reading every event on each step was a measured share of
    /// a task's cost; log lines are added with ``appendLog(_:stepId:level:message:)``), or nil when the task is gone
    /// or its status moved on.
    ///
    /// A change that finishes the task passes `completion`, the task's last log line (made from the changed task and
    /// cut to `maxLogEventBytes`), stored in the same transaction as the `completion` event: whoever reads the task
    /// finished also reads that line, so an event stream never sees a finished task without its completion event.
    @discardableResult
    func update(
        _ id: String, ifStatus expected: TaskStatus = .processing,
        completion: (@Sendable (ScaffolderTask) -> TaskLogEntry)? = nil,
        _ change: @escaping @Sendable (inout ScaffolderTask) -> Void
    ) async throws
        -> ScaffolderTask?
    {
        let clock = database.clock
        let maxLogEventBytes = limits.maxLogEventBytes
        return try await database.transaction { db in
            guard
                let row = try await db.select().columns("state", "last_heartbeat_at", "created_by", "log_bytes")
                    .from("tasks").where("id", .equal, id).where("status", .equal, expected.rawValue).first()
            else { return nil }
            var task = try Self.decode(row)
            change(&task)
            task.log = []
            var update = db.update("tasks")
                .set("state", to: SQLBind(try Self.encode(task)))
                .set("status", to: SQLBind(task.status.rawValue))
                .set("last_heartbeat_at", to: clock.now)
            if let completion {
                let line = completion(task)
                var entry = TaskLogEntry(
                    createdAt: line.createdAt, stepId: line.stepId, level: line.level,
                    message: Self.truncated(line.message, to: maxLogEventBytes))
                entry.type = TaskEvent.completionType
                try await Self.insertEvent(entry, taskId: id, into: db)
                let used = try row.decode(column: "log_bytes", as: Int.self)
                update = update.set("log_bytes", to: SQLBind(used + entry.message.utf8.count))
                task.log = [entry]
            }
            try await update.where("id", .equal, id).run()
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
        return try await database.transaction { db in
            guard
                let row = try await db.select().columns("state", "last_heartbeat_at", "created_by").from("tasks")
                    .where("id", .equal, id).where("status", .equal, TaskStatus.processing.rawValue)
                    .where(SQLColumn("last_heartbeat_at"), .lessThan, clock.now(plus: .zero - timeout)).first()
            else { return false }
            let now = try await Self.now(db, clock.now)
            let entry = TaskLogEntry(
                createdAt: now, stepId: nil, level: "error", message: message, type: TaskEvent.completionType)
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

    /// What ``cancel(_:)`` did.
    enum CancelOutcome: Sendable, Equatable {
        /// The task was `open` or `processing` and is now `cancelled`.
        case cancelled
        /// No task has this id.
        case notFound
        /// The task had already finished with this status.
        case finished(TaskStatus)
    }

    /// Cancels task `id` if it is `open` or `processing`: in one transaction its status becomes `cancelled`, the
    /// running step `cancelled` and the steps not started `skipped`, and two events are written: a `cancelled` one
    /// (`Step <id> has been cancelled.`, as Backstage words it, or `The task has been cancelled.` when no step was
    /// running) and the final line `Task cancelled` (the completion event). The worker running it, on whichever
    /// replica, finds it no longer `processing` at its next heartbeat and stops the step. A compare-and-set on the
    /// status, so a claim or an ending at the same moment either happens first or not at all.
    func cancel(_ id: String) async throws -> CancelOutcome {
        let clock = database.clock
        while true {
            let outcome: CancelOutcome? = try await database.transaction { db in
                guard
                    let row = try await db.select().columns("state", "last_heartbeat_at", "created_by", "status")
                        .from("tasks").where("id", .equal, id).first()
                else { return .notFound }
                let seen = try row.decode(column: "status", as: String.self)
                var task = try Self.decode(row)
                if let status = TaskStatus(rawValue: seen), status.isFinal { return .finished(status) }
                let now = try await Self.now(db, clock.now)
                let running = task.steps.first { $0.status == .processing }?.id
                task.cancel(at: now)
                let changed = try await db.update("tasks")
                    .set("state", to: SQLBind(try Self.encode(task)))
                    .set("status", to: SQLBind(TaskStatus.cancelled.rawValue))
                    .where("id", .equal, id).where("status", .equal, seen)
                    .returning("id").all().count
                // The status moved on since the read (claimed or ended elsewhere): read it again.
                guard changed == 1 else { return nil }
                let message = running.map { "Step \($0) has been cancelled." } ?? "The task has been cancelled."
                try await Self.insertEvent(
                    TaskLogEntry(createdAt: now, stepId: running, level: "info", message: message, type: "cancelled"),
                    taskId: id, into: db)
                try await Self.insertEvent(
                    TaskLogEntry(
                        createdAt: now, stepId: nil, level: "info", message: "Task cancelled",
                        type: TaskEvent.completionType),
                    taskId: id, into: db)
                return .cancelled
            }
            if let outcome { return outcome }
        }
    }

    /// Appends a log line and returns it as stored, within the log bounds:
    ///
    /// - a message longer than `maxLogEventBytes` keeps its start and ends in `… [truncated: N bytes]`, N the bytes
    ///   cut, so that it is at most `maxLogEventBytes` bytes long;
    /// - once the task's messages would pass `maxTaskLogBytes`, one marker line says so (naming the bound) and later
    ///   lines are not stored; a finished task's last line (`Task completed`, `Task failed: …`) is still stored, by
    ///   the transaction that finishes it (``update(_:ifStatus:completion:_:)``).
    ///
    /// A finished task's log ends with its completion event: later lines (of a worker that has not yet noticed a
    /// cancellation or the janitor) are not stored. A line that is not stored is still returned (cut to
    /// `maxLogEventBytes`), for the process log; so is a line of a task that is no longer kept.
    @discardableResult
    func appendLog(
        _ id: String, stepId: String?, level: String = "info", message: String
    ) async throws
        -> TaskLogEntry
    {
        let limits = self.limits
        let clock = database.clock
        let message = Self.truncated(message, to: limits.maxLogEventBytes)
        return try await database.transaction { db in
            let now = try await Self.now(db, clock.now)
            let entry = TaskLogEntry(createdAt: now, stepId: stepId, level: level, message: message)
            guard
                let row = try await db.select().columns("status", "log_bytes").from("tasks").where("id", .equal, id)
                    .first()
            else { return entry }
            let status = TaskStatus(rawValue: try row.decode(column: "status", as: String.self))
            // A finished task's log ends with its completion event; its worker may still say more.
            guard status?.isFinal != true else { return entry }
            let used = try row.decode(column: "log_bytes", as: Int.self)
            let size = entry.message.utf8.count
            let stored: TaskLogEntry
            let total: Int
            if used + size <= limits.maxTaskLogBytes {
                (stored, total) = (entry, used + size)
            } else if used <= limits.maxTaskLogBytes {
                // The first line that does not fit: a marker instead, and a count past the bound so it is the last.
                stored = TaskLogEntry(
                    createdAt: now, stepId: stepId, level: "info",
                    message: Self.logFullMarker(limits.maxTaskLogBytes))
                total = limits.maxTaskLogBytes + 1
            } else {
                return entry
            }
            try await Self.insertEvent(stored, taskId: id, into: db)
            try await db.update("tasks").set("log_bytes", to: SQLBind(total)).where("id", .equal, id).run()
            return entry
        }
    }

    /// The line that ends a task's log at `maxTaskLogBytes`.
    static func logFullMarker(_ maxTaskLogBytes: Int) -> String {
        "… [truncated: this task's log reached \(maxTaskLogBytes) bytes (scaffolder.maxTaskLogBytes); "
            + "later lines are not kept]"
    }

    /// `message` if it has at most `limit` bytes of UTF-8; else its start, cut at a character boundary, and
    /// `… [truncated: N bytes]` (N the bytes cut), together at most `limit` bytes.
    static func truncated(_ message: String, to limit: Int) -> String {
        let total = message.utf8.count
        guard total > limit else { return message }
        // The marker for `total` cut bytes is at least as long as the one written.
        let reserve = "… [truncated: \(total) bytes]".utf8.count
        let utf8 = message.utf8
        var end = utf8.index(utf8.startIndex, offsetBy: max(0, limit - reserve))
        while end > utf8.startIndex, end.samePosition(in: message.unicodeScalars) == nil {
            end = utf8.index(before: end)
        }
        let kept = String(decoding: utf8[..<end], as: UTF8.self)
        return kept + "… [truncated: \(total - kept.utf8.count) bytes]"
    }

    /// Stores `entry` as a `task_events` row of task `taskId` (its `type`, `log` when nil, in `event_type`).
    static func insertEvent(_ entry: TaskLogEntry, taskId: String, into db: any SQLDatabase) async throws {
        let encoder = JSONEncoder.backend()
        try await db.insert(into: "task_events").columns("task_id", "event_type", "body", "created_at")
            .values(
                SQLBind(taskId), SQLBind(entry.type ?? "log"),
                SQLBind(String(decoding: try encoder.encode(entry), as: UTF8.self)),
                SQLBind(entry.createdAt)
            )
            .run()
    }

    /// The log lines of `taskIds`, in order, by task.
    private static func events(_ db: any SQLDatabase, taskIds: [String]) async throws -> [String: [TaskLogEntry]] {
        guard !taskIds.isEmpty else { return [:] }
        let decoder = JSONDecoder()
        var result: [String: [TaskLogEntry]] = [:]
        // Chunks as large as the engine's bind-parameter limit allows (`batches(of:bindsPerItem:)`).
        for chunk in db.batches(of: taskIds, bindsPerItem: 1) {
            let rows = try await db.select().columns("task_id", "event_type", "body").from("task_events")
                .where("task_id", .in, Array(chunk)).orderBy("id").all()
            for row in rows {
                let taskId = try row.decode(column: "task_id", as: String.self)
                let body = try row.decode(column: "body", as: String.self)
                var entry = try decoder.decode(TaskLogEntry.self, from: Data(body.utf8))
                let type = try row.decode(column: "event_type", as: String.self)
                // The completion event is the last line of a finished task, which `TaskEvent` recognises as such.
                entry.type = type == "log" || type == TaskEvent.completionType ? nil : type
                result[taskId, default: []].append(entry)
            }
        }
        return result
    }

    /// Refuses a new task by `createdBy` when that caller already has `maxOpenTasksPerCaller` unfinished tasks (429)
    /// or the scaffolder has `maxTasks` (503).
    private static func admit(_ db: any SQLDatabase, createdBy: String?, limits: ScaffolderLimits) async throws {
        let unfinished = [TaskStatus.open.rawValue, TaskStatus.processing.rawValue]
        if let createdBy {
            let mine =
                try await db.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "count").from("tasks")
                .where("status", .in, unfinished).where("created_by", .equal, createdBy)
                .first(decodingColumn: "count", as: Int.self) ?? 0
            guard mine < limits.maxOpenTasksPerCaller else {
                throw TooManyRequestsError(
                    "The caller '\(createdBy)' has \(mine) unfinished tasks, as many as one caller may have "
                        + "(scaffolder.maxOpenTasksPerCaller); try again once one has finished",
                    retryAfterSeconds: ScaffolderLimits.retryAfterSeconds)
            }
        }
        let all =
            try await db.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "count").from("tasks")
            .where("status", .in, unfinished).first(decodingColumn: "count", as: Int.self) ?? 0
        guard all < limits.maxTasks else {
            throw ServiceUnavailableError(
                "The scaffolder has \(all) unfinished tasks, as many as it accepts (scaffolder.maxTasks); "
                    + "try again once some have finished",
                retryAfterSeconds: ScaffolderLimits.retryAfterSeconds)
        }
    }

    /// Drops the oldest finished tasks beyond `capacity`; unfinished tasks are never dropped (``admit`` bounds them).
    private static func evict(_ db: any SQLDatabase, capacity: Int) async throws {
        let count =
            try await db.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "count").from("tasks")
            .first(decodingColumn: "count", as: Int.self) ?? 0
        guard count > capacity else { return }
        let finished = TaskStatus.allCases.filter(\.isFinal).map(\.rawValue)
        let victims = try await db.select().column("id").from("tasks").where("status", .in, finished)
            .orderBy("position").limit(count - capacity).all(decodingColumn: "id", as: String.self)
        guard !victims.isEmpty else { return }
        try await db.delete(from: "task_events").where("task_id", .in, victims).run()
        try await db.delete(from: "tasks").where("id", .in, victims).run()
    }

    /// The state column: the task without its log (the `task_events` rows) and creator (the `created_by` column).
    private static func encode(_ task: ScaffolderTask) throws -> String {
        var stored = task
        stored.log = []
        stored.createdBy = nil
        return String(decoding: try JSONEncoder.backend().encode(stored), as: UTF8.self)
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
