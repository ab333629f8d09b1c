import BackendConfig
import BackendJSON
import BackendKit
import BackendRuntime
import BackendTestSupport
import Foundation
import Logging
import Testing

@testable import ScaffolderPlugin

/// The scaffolder's bounds (``ScaffolderLimits``) at the unit and store level: rendering budgets, log truncation,
/// the fair task queue and list pages, each store test on SQLite and PostgreSQL.
@Suite("Scaffolder bounds")
struct ScaffolderBoundsTests {
    /// A template with one `debug:log` step whose message is `message`.
    static func logTemplate(_ message: String, name: String = "log") throws -> TemplateDefinition {
        let entity: JSONValue = [
            "apiVersion": "scaffolder.backstage.io/v1beta3", "kind": "Template", "metadata": ["name": .string(name)],
            "spec": ["steps": [["id": "log", "action": "debug:log", "input": ["message": .string(message)]]]],
        ]
        return try TemplateDefinition(entity: entity, ref: TemplateRef(namespace: "default", name: name))
    }

    /// One megabyte of text.
    static let megabyte = String(repeating: "x", count: 1_000_000)

    @Test("the limits' defaults, and config values that are not positive name the key and the file")
    func limitsConfig() throws {
        let defaults = try ScaffolderLimits(config: Config([:]))
        #expect(defaults == ScaffolderLimits())
        #expect(defaults.maxTasks == 1000 && defaults.maxOpenTasksPerCaller == 100)
        #expect(defaults.maxTemplateSteps == 100 && defaults.maxStepInputBytes == 1_048_576)
        #expect(defaults.maxLogEventBytes == 65536 && defaults.maxTaskLogBytes == 1_048_576)
        #expect(defaults.maxPageSize == 1000 && defaults.defaultPageSize == 100)
        #expect(defaults.maxResponseBytes == 16_777_216)
        let configured = try ScaffolderLimits(
            config: Config(["scaffolder": ["maxPageSize": 5, "maxOpenTasksPerCaller": 2, "maxLogEventBytes": 128]]))
        #expect(configured.defaultPageSize == 5 && configured.maxOpenTasksPerCaller == 2)
        #expect(
            throws: ConfigError(
                "Invalid value in config for key 'scaffolder.maxStepInputBytes' in 'app-config.yaml', wanted a positive integer"
            )
        ) {
            try ScaffolderSettings(config: Config(["scaffolder": ["maxStepInputBytes": 0]], source: "app-config.yaml"))
        }
        #expect(
            throws: ConfigError(
                "Invalid value in config for key 'scaffolder.maxLogEventBytes' in 'app-config.yaml', wanted an integer of at least 128"
            )
        ) {
            try ScaffolderSettings(config: Config(["scaffolder": ["maxLogEventBytes": 127]], source: "app-config.yaml"))
        }
    }

    @Test("JSONSize measures what the JSON writer writes, and stops early past its limit")
    func jsonSize() throws {
        let values: [JSONValue] = [
            .null, true, false, 0, -12345, 1.5, "", "a\"b\\c\n\u{1}é€😀",
            ["k\t": [1, "two", ["three": .null]], "other": [:], "list": []],
        ]
        for value in values {
            #expect(JSONSize.of(value, upTo: .max) == value.jsonBytes(options: .sortedKeys).count, "\(value)")
        }
        let big: JSONValue = .array(Array(repeating: .string(Self.megabyte), count: 4000))
        #expect(JSONSize.of(big, upTo: 2_000_000) > 2_000_000)
    }

    @Test("a step input that repeats a 1 MB parameter is refused within the budget, in text or as whole values")
    func renderingBudget() throws {
        let renderer = TemplateRenderer(
            parameters: ["big": .string(Self.megabyte), "small": "s"], stepOutputs: [:], maxBytes: 1_048_576)
        let repeated = String(repeating: "${{ parameters.big }}", count: 4000)
        let step = TemplateStep(
            id: "log", name: "log", action: "debug:log", input: ["message": .string(repeated)], condition: nil)
        let message = "the rendered input of step 'log' is larger than 1048576 bytes (scaffolder.maxStepInputBytes)"
        let started = ContinuousClock.now
        #expect(throws: InputError(message)) { try renderer.input(of: step) }
        let whole = TemplateStep(
            id: "log", name: "log", action: "debug:log",
            input: ["message": .array(Array(repeating: "${{ parameters.big }}", count: 4000))], condition: nil)
        #expect(throws: InputError(message)) { try renderer.input(of: whole) }
        let condition = TemplateStep(
            id: "log", name: "log", action: "debug:log", input: [:], condition: .string(repeated))
        #expect(
            throws: InputError(
                "the rendered 'if' of step 'log' is larger than 1048576 bytes (scaffolder.maxStepInputBytes)")
        ) { try renderer.isTruthy(try #require(condition.condition), of: condition) }
        // Refused as soon as the budget is passed: no 4 GB string is built (that took the process down).
        #expect(ContinuousClock.now - started < .seconds(10))

        // One copy fits; the size counts the whole input object as JSON text.
        let once = TemplateStep(
            id: "log", name: "log", action: "debug:log", input: ["message": "${{ parameters.big }}!"], condition: nil)
        #expect(try renderer.input(of: once)["message"]?.stringValue?.utf8.count == 1_000_001)
        let exact = TemplateRenderer(parameters: ["v": "abc"], stepOutputs: [:], maxBytes: 17)
        let fits = TemplateStep(
            id: "s", name: "s", action: "debug:log", input: ["m": "${{ parameters.v }}d"], condition: nil)
        #expect(try exact.input(of: fits) == ["m": "abcd"])  // {"m":"abcd"} is 12 bytes
        let tight = TemplateRenderer(parameters: ["v": "abc"], stepOutputs: [:], maxBytes: 11)
        #expect(
            throws: InputError("the rendered input of step 's' is larger than 11 bytes (scaffolder.maxStepInputBytes)")
        ) { try tight.input(of: fits) }
    }

    @Test("sizeProblem names the first input, if or output over the budget and ignores bad expressions")
    func sizeProblem() throws {
        let template = try TemplateDefinition(
            entity: [
                "apiVersion": "scaffolder.backstage.io/v1beta3", "kind": "Template", "metadata": ["name": "t"],
                "spec": [
                    "steps": [
                        ["id": "bad", "action": "debug:log", "input": ["message": "${{ parameters.x | upper }}"]],
                        ["id": "ok", "action": "debug:log", "input": ["message": "${{ parameters.v }}"]],
                    ],
                    "output": ["text": "${{ parameters.v }}${{ parameters.v }}"],
                ],
            ], ref: TemplateRef(namespace: "default", name: "t"))
        let values: JSONObject = ["v": .string(String(repeating: "v", count: 60))]
        #expect(TemplateRenderer(parameters: values, stepOutputs: [:], maxBytes: 200).sizeProblem(of: template) == nil)
        #expect(
            TemplateRenderer(parameters: values, stepOutputs: [:], maxBytes: 100).sizeProblem(of: template)
                == "the rendered output of the template is larger than 100 bytes (scaffolder.maxStepInputBytes)")
        #expect(
            TemplateRenderer(parameters: values, stepOutputs: [:], maxBytes: 50).sizeProblem(of: template)
                == "the rendered input of step 'ok' is larger than 50 bytes (scaffolder.maxStepInputBytes)")
    }

    @Test("a long log message keeps its start and a marker with the bytes cut, within the limit")
    func truncatedMessages() {
        #expect(TaskStore.truncated("short", to: 128) == "short")
        let long = String(repeating: "a", count: 1000)
        let cut = TaskStore.truncated(long, to: 128)
        #expect(cut == String(repeating: "a", count: 101) + "… [truncated: 899 bytes]")
        #expect(cut.utf8.count <= 128)
        // Never inside a multi-byte character.
        let wide = String(repeating: "€", count: 500)
        let wideCut = TaskStore.truncated(wide, to: 128)
        #expect(wideCut == String(repeating: "€", count: 33) + "… [truncated: 1401 bytes]")
        #expect(wideCut.utf8.count <= 128)
    }

    @Test(
        "the task log: lines cut at maxLogEventBytes, one marker at maxTaskLogBytes, the final line kept",
        arguments: Engine.allCases)
    func taskLog(_ engine: Engine) async throws {
        try await TestDatabases.with(engine, pluginId: "scaffolder") { database, _ in
            var limits = ScaffolderLimits()
            limits.maxLogEventBytes = 128
            limits.maxTaskLogBytes = 400
            let store = TaskStore(database: database, limits: limits)
            try await store.migrate()
            let task = try await store.create(template: try Self.logTemplate("hi"), values: [:])
            #expect(try await store.claimNext() == task.id)
            let returned = try await store.appendLog(task.id, stepId: "log", message: Self.megabyte)
            let cut = String(repeating: "x", count: 98) + "… [truncated: 999902 bytes]"
            #expect(returned.message == cut)
            for index in 0..<10 {
                try await store.appendLog(task.id, stepId: "log", message: String(repeating: "\(index)", count: 100))
            }
            // The final line is stored with the final status, as the task runner stores it.
            try await store.update(
                task.id,
                completion: { _ in
                    TaskLogEntry(
                        createdAt: SystemClock().timestamp(), stepId: nil, level: "info", message: "Task completed")
                }
            ) { $0.status = .completed }
            // A finished task's log ends with its completion line: a later line (a worker that has not yet noticed)
            // is not stored.
            try await store.appendLog(task.id, stepId: nil, message: "too late")
            let stored = try #require(try await store.task(task.id))
            let marker =
                "… [truncated: this task's log reached 400 bytes (scaffolder.maxTaskLogBytes); later lines are not kept]"
            #expect(
                stored.log.map(\.message) == [
                    "Task created for template:default/log", cut, String(repeating: "0", count: 100),
                    String(repeating: "1", count: 100), marker, "Task completed",
                ])
            #expect(stored.log.allSatisfy { $0.message.utf8.count <= 128 })
            let events = TaskEvent.events(of: stored)
            #expect(events.last?.type == "completion" && events.last?.body.message == "Task completed")
            // A line for a task that is no longer kept is returned, not stored.
            let orphan = try await store.appendLog("nope", stepId: nil, message: "lost")
            #expect(orphan.message == "lost")
        }
    }

    @Test(
        "the queue: 429 per caller, 503 when full, unfinished tasks never dropped, finished ones oldest first",
        arguments: Engine.allCases)
    func queue(_ engine: Engine) async throws {
        try await TestDatabases.with(engine, pluginId: "scaffolder") { database, _ in
            var limits = ScaffolderLimits()
            limits.maxTasks = 3
            limits.maxOpenTasksPerCaller = 2
            let store = TaskStore(database: database, limits: limits)
            try await store.migrate()
            let template = try Self.logTemplate("hi")
            let first = try await store.create(template: template, values: [:], createdBy: "alice")
            let second = try await store.create(template: template, values: [:], createdBy: "alice")
            let tooMany = TooManyRequestsError(
                "The caller 'alice' has 2 unfinished tasks, as many as one caller may have "
                    + "(scaffolder.maxOpenTasksPerCaller); try again once one has finished",
                retryAfterSeconds: 10)
            await #expect(throws: tooMany) {
                try await store.create(template: template, values: [:], createdBy: "alice")
            }
            #expect(tooMany.responseHeaders[.retryAfter] == "10")
            let third = try await store.create(template: template, values: [:], createdBy: "bob")
            let full = ServiceUnavailableError(
                "The scaffolder has 3 unfinished tasks, as many as it accepts (scaffolder.maxTasks); "
                    + "try again once some have finished",
                retryAfterSeconds: 10)
            await #expect(throws: full) { try await store.create(template: template, values: [:], createdBy: "carol") }
            await #expect(throws: full) { try await store.create(template: template, values: [:]) }
            #expect(try await store.list().map(\.id) == [first.id, second.id, third.id])

            // One finishes: a new task is accepted and the finished one, the oldest finished, is dropped.
            #expect(try await store.claimNext() == first.id)
            try await store.update(first.id) { $0.status = .completed }
            let fourth = try await store.create(template: template, values: [:], createdBy: "carol")
            #expect(try await store.list().map(\.id) == [second.id, third.id, fourth.id])
            #expect(try await store.task(first.id) == nil)
            // A processing task is not dropped either: the next finished one goes first.
            #expect(try await store.claimNext() == second.id)
            #expect(try await store.claimNext() == third.id)
            try await store.update(third.id) { $0.status = .failed }
            let fifth = try await store.create(template: template, values: [:], createdBy: "alice")
            #expect(try await store.list().map(\.id) == [second.id, fourth.id, fifth.id])
            // Without a subject (auth off) only maxTasks applies.
            try await store.update(second.id) { $0.status = .completed }
            _ = try await store.create(template: template, values: [:])
            #expect(try await store.list().count == 3)
        }
    }

    @Test(
        "list pages: limit, offset, totalTasks, and a page over maxResponseBytes refused",
        arguments: Engine.allCases)
    func pages(_ engine: Engine) async throws {
        try await TestDatabases.with(engine, pluginId: "scaffolder") { database, _ in
            let store = TaskStore(database: database)
            try await store.migrate()
            let template = try Self.logTemplate("hi")
            var ids: [String] = []
            for index in 0..<5 {
                let padding = JSONValue.string(String(repeating: "p", count: 400))
                ids.append(try await store.create(template: template, values: ["i": .int(index), "p": padding]).id)
            }
            func page(_ status: TaskStatus? = nil, offset: Int = 0, limit: Int) async throws -> [String: Any] {
                let body = try await store.page(status: status, offset: offset, limit: limit)
                return try #require(
                    try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any])
            }
            func pageIds(_ page: [String: Any]) -> [String] {
                (page["tasks"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
            }
            let two = try await page(offset: 1, limit: 2)
            #expect(pageIds(two) == Array(ids[1...2]) && two["totalTasks"] as? Int == 5)
            #expect(pageIds(try await page(offset: 4, limit: 2)) == [ids[4]])
            #expect(pageIds(try await page(offset: 9, limit: 2)).isEmpty)
            let none = try await page(limit: 0)
            #expect(pageIds(none).isEmpty && none["totalTasks"] as? Int == 5)
            #expect(try await page(.completed, limit: 5)["totalTasks"] as? Int == 0)
            // The JSON is Backstage's list item: the values are the spec's parameters, the log is not listed.
            let listed = try #require((try await page(limit: 1))["tasks"] as? [[String: Any]]).first
            #expect(
                listed?["log"] == nil && (listed?["spec"] as? [String: Any])?["parameters"] as? [String: Any] != nil)

            // Every task's JSON has the same length here: {"tasks":[ + 5 tasks and 4 commas + ],"totalTasks":5}.
            let whole = try await store.page(status: nil, offset: 0, limit: 5).readableBytes
            let taskBytes = (whole - 27 - 4) / 5
            func bounded(_ maxResponseBytes: Int) -> TaskStore {
                var limits = ScaffolderLimits()
                limits.maxResponseBytes = maxResponseBytes
                return TaskStore(database: database, limits: limits)
            }
            #expect(try await bounded(whole).page(status: nil, offset: 0, limit: 5).readableBytes == whole)
            let threeFit = 27 + 3 * taskBytes + 2 + taskBytes / 2
            await #expect(
                throws: InputError(
                    "The page would be larger than \(threeFit) bytes (scaffolder.maxResponseBytes): only the first 3 "
                        + "of its 5 tasks fit; ask for fewer with limit")
            ) { try await bounded(threeFit).page(status: nil, offset: 0, limit: 5) }
            let tiny = bounded(100)
            await #expect(
                throws: InputError(
                    "The task at offset 2 alone is larger than 100 bytes (scaffolder.maxResponseBytes); "
                        + "read it with GET /v2/tasks/\(ids[2])")
            ) { try await tiny.page(status: nil, offset: 2, limit: 5) }
        }
    }
}
