import BackendDatabase
import BackendRuntime
import BackendTestSupport
import BackendTesting
import Foundation
import NIOHTTP1
import Testing

@testable import BackendKit

/// Counts runs and the most that overlapped.
private actor RunLog {
    private(set) var runs = 0
    private(set) var running = 0
    private(set) var maxRunning = 0
    private(set) var cancelled = 0
    private(set) var starts: [ContinuousClock.Instant] = []

    /// The starts that came too early for "once per period": start `k` more than one period before `k` periods
    /// after the first. (Two consecutive starts may be closer than a period: as in Backstage, the next start is
    /// the previous one's due time plus the frequency, so a late run is followed by one on schedule.)
    func startsAheadOfSchedule(frequency: Duration) -> [Int] {
        guard let first = starts.first else { return [] }
        return starts.indices.filter { starts[$0] - first < frequency * ($0 - 1) }
    }

    func begin() {
        starts.append(.now)
        runs += 1
        running += 1
        maxRunning = max(maxRunning, running)
    }

    func end(cancelled wasCancelled: Bool) {
        running -= 1
        if wasCancelled { cancelled += 1 }
    }

    /// A run that takes `duration` (or until cancelled).
    func run(for duration: Duration) async {
        begin()
        var wasCancelled = false
        do { try await Task.sleep(for: duration) } catch { wasCancelled = true }
        end(cancelled: wasCancelled)
    }
}

@Suite("Scheduler")
struct SchedulerTests {
    /// Runs `schedulers` as services while `body` runs, then cancels them and waits for them to stop.
    private func running<R>(_ schedulers: [PluginScheduler], _ body: () async throws -> R) async throws -> R {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for scheduler in schedulers { group.addTask { await scheduler.run() } }
            defer { group.cancelAll() }
            return try await body()
        }
    }

    private func scheduler(_ database: PluginDatabase) -> PluginScheduler {
        PluginScheduler(pluginId: "test", database: database, logger: TestDatabases.logger)
    }

    @Test(
        "a global task runs once per period, is recorded in Backstage's table and released after each run",
        arguments: Engine.allCases)
    func globalTaskRunsOncePerPeriod(_ engine: Engine) async throws {
        try await TestDatabases.with(engine) { database, _ in
            let log = RunLog()
            let scheduler = scheduler(database)
            try await scheduler.scheduleTask(id: "tick", frequency: .milliseconds(300), timeout: .seconds(5)) {
                await log.run(for: .milliseconds(10))
            }
            // Timed by what happened, not by the wall clock: a slow machine delays runs, it never adds any.
            try await running([scheduler]) {
                #expect(await eventually(timeout: .seconds(30)) { await log.runs >= 4 })
            }
            #expect(await log.startsAheadOfSchedule(frequency: .milliseconds(300)) == [])
            let settings = try await database.withSession { db in
                try await db.select().column("settings_json").from("backstage_backend_tasks__tasks")
                    .where("id", .equal, "tick").first(decodingColumn: "settings_json", as: String.self)
            }
            #expect(settings == #"{"cadence":"PT0.3S","timeoutAfterDuration":"PT5S","version":2}"#)
            let described = try await scheduler.taskDescriptions()
            let state = described.first?["taskState"]
            #expect(state?["status"] == .string("idle"))
            #expect(state?["lastRunEndedAt"]?.stringValue?.hasSuffix("Z") == true)
            #expect(described.first?["workerState"] == .object(["status": .string("idle")]))
            await #expect(throws: InputError("Task 'tick' is already scheduled in plugin 'test'")) {
                try await scheduler.scheduleTask(id: "tick", frequency: .seconds(1), timeout: .seconds(1)) {}
            }
        }
    }

    /// Two schedulers on one PostgreSQL database stand for two replicas: the task never runs on both at once, and
    /// never runs more often than once per period (each replica alone would).
    @Test("two replicas share one global task")
    func twoReplicasShareOneGlobalTask() async throws {
        try await TestDatabases.with(.postgres) { database, config in
            let other = PluginDatabase(
                settings: try DatabaseSettings.read(from: config, pluginId: "test"), logger: TestDatabases.logger)
            defer { Task { await other.shutdown() } }
            let log = RunLog()
            let replicas = [scheduler(database), scheduler(other)]
            for replica in replicas {
                try await replica.scheduleTask(id: "shared", frequency: .milliseconds(400), timeout: .seconds(5)) {
                    await log.run(for: .milliseconds(150))
                }
            }
            try await running(replicas) {
                #expect(await eventually(timeout: .seconds(30)) { await log.runs >= 5 })
            }
            #expect(await log.maxRunning == 1)
            let early = await log.startsAheadOfSchedule(frequency: .milliseconds(400))
            #expect(early == [], "runs \(early) started ahead of the schedule")
            await other.shutdown()
        }
    }

    @Test(
        "a run whose lease is taken away is cancelled; an expired lease is cleared by the janitor",
        arguments: Engine.allCases)
    func lostAndExpiredLeases(_ engine: Engine) async throws {
        try await TestDatabases.with(engine) { database, _ in
            let log = RunLog()
            let scheduler = scheduler(database)
            try await scheduler.scheduleTask(id: "long", frequency: .milliseconds(200), timeout: .seconds(60)) {
                await log.run(for: .seconds(30))
            }
            try await running([scheduler]) {
                #expect(await eventually(timeout: .seconds(5)) { await log.running == 1 })
                // A cancel from elsewhere (or the janitor) clears the ticket: the worker sees it and stops.
                try await database.withSession { db in
                    try await db.update("backstage_backend_tasks__tasks").set("current_run_ticket", to: SQLLiteral.null)
                        .where("id", .equal, "long").run()
                }
                #expect(await eventually(timeout: .seconds(3)) { await log.cancelled == 1 })
            }

            // A replica that died mid-run holds a lease until it expires; then the janitor frees the task.
            let table = SchedulerTaskTable(database: database)
            let survivor = self.scheduler(database)
            let revived = RunLog()
            try await survivor.scheduleTask(id: "dead", frequency: .milliseconds(200), timeout: .seconds(5)) {
                await revived.run(for: .milliseconds(1))
            }
            try await Task.sleep(for: .milliseconds(10))
            #expect(try await table.claim(id: "dead", ticket: "gone-replica", timeout: .milliseconds(1200)))
            try await running([survivor]) {
                try await Task.sleep(for: .milliseconds(400))
                #expect(await revived.runs == 0)
                #expect(await eventually(timeout: .seconds(3)) { await revived.runs >= 1 })
            }
        }
    }

    @Test(
        "the scheduler routes list tasks and trigger them: 200, 404 for an unknown task, 409 while it runs",
        arguments: TestDatabaseEngine.allCases)
    func routes(_ engine: TestDatabaseEngine) async throws {
        let log = RunLog()
        let plugin = TestPlugin("jobs") { _, env in
            try await env.scheduler.scheduleTask(id: "slow", frequency: .seconds(3600), timeout: .seconds(60)) {
                await log.run(for: .seconds(3))
            }
            try await env.scheduler.scheduleTask(
                id: "here", frequency: .seconds(3600), timeout: .seconds(60), initialDelay: .seconds(3600),
                scope: .local
            ) {
                await log.run(for: .milliseconds(1))
            }
        }
        try await TestBackend(plugins: [plugin]).test(engine: engine) { client in
            let base = "/api/jobs/.backstage/scheduler/v1/tasks"
            func tasks() async throws -> [[String: Any]] {
                let list = try await client.get(base, as: .backend)
                #expect(list.status == 200)
                return list.object["tasks"] as? [[String: Any]] ?? []
            }
            #expect(await eventually(timeout: .seconds(5)) { await log.running == 1 })
            let listed = try await tasks()
            #expect(listed.map { $0["taskId"] as? String } == ["slow", "here"])
            #expect(listed.map { $0["scope"] as? String } == ["global", "local"])
            #expect(listed.map { $0["pluginId"] as? String } == ["jobs", "jobs"])
            #expect((listed[0]["taskState"] as? [String: Any])?["status"] as? String == "running")
            #expect((listed[0]["workerState"] as? [String: Any])?["status"] as? String == "running")
            #expect((listed[1]["workerState"] as? [String: Any])?["status"] as? String == "initial-wait")

            let busy = try await client.post("\(base)/slow/trigger", as: .backend)
            #expect(
                busy.text
                    == errorBody(
                        name: "ConflictError", message: "Task slow is currently running", method: "POST",
                        url: "/.backstage/scheduler/v1/tasks/slow/trigger", status: 409))
            let unknown = try await client.post("\(base)/nope/trigger", as: .backend)
            #expect(
                unknown.text
                    == errorBody(
                        name: "NotFoundError", message: "Task nope does not exist", method: "POST",
                        url: "/.backstage/scheduler/v1/tasks/nope/trigger", status: 404))
            // A trigger cuts the local task's initial wait of an hour short.
            #expect(try await client.post("\(base)/here/trigger", as: .backend).status == 200)
            #expect(await eventually(timeout: .seconds(5)) { await log.runs == 2 })
            #expect(try await client.get(base, as: .backend).status == 200)
        }
    }
}
