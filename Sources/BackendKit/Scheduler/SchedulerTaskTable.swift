import Foundation

/// Backstage's `backstage_backend_tasks__tasks` table in a plugin's database: one row per global task, holding
/// its settings, when it may next start, and the lease (`current_run_ticket`) of the run in progress.
///
/// Every time is the database server's clock (``PluginDatabase/clock``), so replicas with skewed clocks still agree
/// on who holds a lease and when it expires. A replica claims a run with a conditional `UPDATE … WHERE
/// current_run_ticket IS NULL` and only runs the task when that update changed its row.
struct SchedulerTaskTable: Sendable {
    /// The table's name, as Backstage names it.
    static let name = "backstage_backend_tasks__tasks"

    /// The plugin's database.
    let database: PluginDatabase

    static let migrations = [
        DatabaseMigration(id: "backstage_backend_tasks_20261201_01_tasks") { db in
            try await db.create(table: name)
                .column("id", type: .text, .primaryKey(autoIncrement: false))
                .column("settings_json", type: .text, .notNull)
                .column("next_run_start_at", type: .text)
                .column("current_run_ticket", type: .text)
                .column("current_run_started_at", type: .text)
                .column("current_run_expires_at", type: .text)
                .column("last_run_ended_at", type: .text)
                .column("last_run_error_json", type: .text)
                .run()
        }
    ]

    /// Creates the table if needed.
    func migrate() async throws {
        try await database.migrate(Self.migrations)
    }

    /// Records `id` with `schedule`: a new task may start after its initial delay; an existing one keeps its next
    /// start unless the new schedule would start it sooner (as Backstage does, so a restart neither skips nor
    /// doubles a period).
    func persist(id: String, schedule: TaskSchedule) async throws {
        let clock = database.clock
        let settings = schedule.settings.jsonText(options: .sortedKeys)
        let startAt = clock.now(plus: schedule.initialDelay)
        let nextAt = clock.now(plus: schedule.frequency)
        let current = SQLColumn("next_run_start_at", table: Self.name)
        let keepOrSooner: SQLQueryString = "CASE WHEN \(nextAt) < \(current) THEN \(nextAt) ELSE \(current) END"
        try await database.withSession { db in
            try await db.insert(into: Self.name)
                .columns("id", "settings_json", "next_run_start_at")
                .values(SQLBind(id), SQLBind(settings), startAt)
                .onConflict(with: ["id"]) { conflict in
                    conflict.set(excludedValueOf: "settings_json")
                        .set("next_run_start_at", to: keepOrSooner)
                }
                .run()
        }
    }

    /// Takes the lease of `id` under `ticket` if the task is due and nobody holds it; true when this call took it.
    func claim(id: String, ticket: String, timeout: Duration) async throws -> Bool {
        let clock = database.clock
        return try await database.withSession { db in
            let rows = try await db.update(Self.name)
                .set("current_run_ticket", to: SQLBind(ticket))
                .set("current_run_started_at", to: clock.now)
                .set("current_run_expires_at", to: clock.now(plus: timeout))
                .where("id", .equal, SQLBind(id))
                .where(SQLColumn("current_run_ticket"), .is, SQLLiteral.null)
                .where(SQLColumn("next_run_start_at"), .lessThanOrEqual, clock.now)
                .returning("id")
                .all()
            return rows.count == 1
        }
    }

    /// Whether `ticket` still holds the lease of `id` (the janitor or a cancel may have taken it away).
    func holds(id: String, ticket: String) async throws -> Bool {
        try await database.withSession { db in
            try await db.select().column("current_run_ticket").from(Self.name).where("id", .equal, SQLBind(id))
                .first(decodingColumn: "current_run_ticket", as: String?.self) == .some(ticket)
        }
    }

    /// Gives the lease back: the next run may start one frequency after this one was due (or now, if that has
    /// passed), and the outcome is recorded. False when the lease was no longer held.
    @discardableResult
    func release(id: String, ticket: String, frequency: Duration, error: (any Error)?) async throws -> Bool {
        let clock = database.clock
        let errorJSON: String? = error.map { error in
            JSONValue.object(["name": .string(Self.errorName(error)), "message": .string("\(error)")])
                .jsonText(options: .sortedKeys)
        }
        return try await database.withSession { db in
            try await db.update(Self.name)
                .set(
                    "next_run_start_at",
                    to: clock.later(clock.time(in: "next_run_start_at", plus: frequency), clock.now)
                )
                .set("current_run_ticket", to: SQLLiteral.null)
                .set("current_run_started_at", to: SQLLiteral.null)
                .set("current_run_expires_at", to: SQLLiteral.null)
                .set("last_run_ended_at", to: clock.now)
                .set("last_run_error_json", to: errorJSON.map { SQLBind($0) as any SQLExpression } ?? SQLLiteral.null)
                .where("id", .equal, SQLBind(id))
                .where("current_run_ticket", .equal, SQLBind(ticket))
                .returning("id")
                .all()
                .count == 1
        }
    }

    /// Clears every lease past its expiry, so a run whose replica died is started again elsewhere; returns the ids.
    func clearExpiredLeases() async throws -> [String] {
        let clock = database.clock
        return try await database.withSession { db in
            try await db.update(Self.name)
                .set("current_run_ticket", to: SQLLiteral.null)
                .set("current_run_started_at", to: SQLLiteral.null)
                .set("current_run_expires_at", to: SQLLiteral.null)
                .where(SQLColumn("current_run_expires_at"), .lessThan, clock.now)
                .returning("id")
                .all(decodingColumn: "id", as: String.self)
        }
    }

    /// Makes `id` due now. Throws ``NotFoundError`` for an unknown task and ``ConflictError`` while it runs.
    func trigger(id: String) async throws {
        let clock = database.clock
        let outcome: Bool? = try await database.withSession { db in
            let exists = try await db.select().column("id").from(Self.name).where("id", .equal, SQLBind(id)).first()
            guard exists != nil else { return nil }
            return try await db.update(Self.name)
                .set("next_run_start_at", to: clock.now)
                .where("id", .equal, SQLBind(id))
                .where(SQLColumn("current_run_ticket"), .is, SQLLiteral.null)
                .returning("id")
                .all()
                .count == 1
        }
        switch outcome {
        case nil: throw NotFoundError("Task \(id) does not exist")
        case false?: throw ConflictError("Task \(id) is currently running")
        case true?: return
        }
    }

    /// Every row's state, as the scheduler route reports it (`taskState`), by task id.
    func states() async throws -> [String: JSONValue] {
        let rows = try await database.withSession { db in
            try await db.select()
                .columns(
                    "id", "next_run_start_at", "current_run_started_at", "current_run_expires_at", "last_run_ended_at",
                    "last_run_error_json"
                )
                .from(Self.name).all()
        }
        var states: [String: JSONValue] = [:]
        for row in rows {
            func text(_ column: String) throws -> String? { try row.decode(column: column, as: String?.self) }
            var state = JSONObject()
            if let startedAt = try text("current_run_started_at") {
                state["status"] = .string("running")
                state["startedAt"] = .string(startedAt)
                if let timesOutAt = try text("current_run_expires_at") { state["timesOutAt"] = .string(timesOutAt) }
            } else {
                state["status"] = .string("idle")
                if let startsAt = try text("next_run_start_at") { state["startsAt"] = .string(startsAt) }
            }
            if let endedAt = try text("last_run_ended_at") { state["lastRunEndedAt"] = .string(endedAt) }
            if let error = try text("last_run_error_json") { state["lastRunError"] = .string(error) }
            states[try row.decode(column: "id", as: String.self)] = .object(state)
        }
        return states
    }

    private static func errorName(_ error: any Error) -> String {
        switch error {
        case is CancellationError: "CancellationError"
        case let error as any BackendError: error.name
        default: String(describing: type(of: error))
        }
    }
}
