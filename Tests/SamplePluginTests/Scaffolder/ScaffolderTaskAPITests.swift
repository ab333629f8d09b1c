import BackendJSON
import BackendKit
import BackendRuntime
import BackendTestSupport
import BackendTesting
import CatalogPlugin
import Foundation
import NIOHTTP1
import Testing

@testable import ScaffolderPlugin

/// The scaffolder's task API as Backstage clients use it, on a live host with the catalog, on SQLite and PostgreSQL:
/// the filtered and ordered list, and cancellation across replicas.
@Suite("Scaffolder task API on a live host", .serialized)
struct ScaffolderTaskAPITests {
    /// A template named `name` with `steps`.
    static func template(_ name: String, steps: [JSONValue]) -> JSONValue {
        [
            "apiVersion": "scaffolder.backstage.io/v1beta3", "kind": "Template", "metadata": ["name": .string(name)],
            "spec": ["steps": .array(steps)],
        ]
    }

    /// The templates the tests run: `quick` logs a line, `broken` fails, `wait` waits 30 s and then logs, `steps`
    /// runs ten steps of 100 ms each (three events per step).
    static let templates: [JSONValue] = [
        template("quick", steps: [["id": "log", "action": "debug:log", "input": ["message": "hi"]]]),
        template(
            "steps",
            steps: (1...10).map { index in
                ["id": .string("step\(index)"), "action": "debug:wait", "input": ["milliseconds": 100]]
            }),
        template("broken", steps: [["id": "wait", "action": "debug:wait", "input": ["seconds": "soon"]]]),
        template(
            "wait",
            steps: [
                ["id": "wait", "name": "Wait", "action": "debug:wait", "input": ["seconds": 30]],
                ["id": "after", "action": "debug:log", "input": ["message": "after the wait"]],
            ]),
    ]

    /// Static tokens by subject.
    static let tokens = ["alice": "alice-static-token-0123456", "bob": "bob-static-token-01234567"]

    /// `backend.auth` with the static tokens of ``tokens``.
    static let auth: JSONValue = [
        "keys": [["secret": "c2NhZmZvbGRlci10YXNrLWFwaS10ZXN0LWtleS0wMTIzNDU2Nzg5"]],
        "externalAccess": .array(
            tokens.sorted { $0.key < $1.key }.map { subject, token in
                ["type": "static", "options": ["token": .string(token), "subject": .string(subject)]]
            }),
    ]

    /// Runs `body` against a host with the catalog (holding ``templates``) and the scaffolder (`scaffolder` merged
    /// over a 60 s task timeout), with ``auth``, on `engine`.
    static func withHost(
        _ engine: Engine, scaffolder: JSONObject = [:], _ body: (RunningBackend) async throws -> Void
    ) async throws {
        try await withHosts(engine, scaffolder: scaffolder, replicas: false) { host, _ in try await body(host) }
    }

    /// Runs `body` with two hosts as ``withHost(_:scaffolder:_:)`` configures them: on PostgreSQL, replica A (which
    /// runs no tasks) and replica B (which runs them, logging to `logs`) sharing the database; on SQLite (one process
    /// per database), one host as both. Without `replicas`, one host on either engine.
    ///
    /// With `metrics`, both hosts serve metrics on a port of their own (`RunningBackend.metricsPort`).
    ///
    /// `backendSection` is merged into `backend`; `plugin` replaces ``scaffolder`` (for another long-poll timeout).
    static func withHosts(
        _ engine: Engine, scaffolder: JSONObject = [:], replicas: Bool = true, logs: TestLogs? = nil,
        metrics: Bool = false, backendSection: JSONObject = [:], plugin: ScaffolderPlugin = scaffolder,
        _ body: (_ a: RunningBackend, _ b: RunningBackend) async throws -> Void
    ) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("task-api-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("templates.yaml")
        try templates.map { $0.jsonText() }.joined(separator: "\n---\n").write(
            to: file, atomically: true, encoding: .utf8)
        try await TestDatabases.withPrefix(engine, dropping: ["catalog", "scaffolder"]) { prefix in
            var backend: JSONObject = [
                "baseUrl": "http://127.0.0.1:7007", "auth": auth,
                "database": try TestDatabases.section(engine, directory: directory, prefix: prefix),
            ]
            if metrics { backend["metrics"] = ["listen": "127.0.0.1:0"] }
            for (key, value) in backendSection { backend[key] = value }
            var section: JSONObject = ["taskTimeout": ["seconds": 60]]
            for (key, value) in scaffolder { section[key] = value }
            let config = TestHosts.config(extra: [
                ("backend", .object(backend)),
                (
                    "catalog",
                    ["locations": [["type": "file", "target": .string(file.path)]], "rules": TestHosts.exampleRules]
                ),
                ("scaffolder", .object(section)),
            ])
            guard replicas, engine == .postgres else {
                try await TestHosts.with(config, logs: logs, plugins: [CatalogPlugin(), plugin]) { host in
                    try await body(host, host)
                }
                return
            }
            var acceptOnly = section
            acceptOnly["concurrentTasksLimit"] = 0
            var configA = config
            if case .object(var sections) = configA {
                sections["scaffolder"] = .object(acceptOnly)
                configA = .object(sections)
            }
            try await TestHosts.with(config, logs: logs, plugins: [CatalogPlugin(), plugin]) { b in
                try await TestHosts.with(configA, plugins: [CatalogPlugin(), plugin]) { a in
                    try await body(a, b)
                }
            }
        }
    }

    /// The scaffolder, with a long poll of ``longPollTimeout``.
    static var scaffolder: ScaffolderPlugin {
        var plugin = ScaffolderPlugin()
        plugin.eventsLongPollTimeout = longPollTimeout
        return plugin
    }

    /// How long `GET /v2/tasks/:id/events?after=` waits here.
    static let longPollTimeout: Duration = .seconds(3)

    /// Submits template `name` as `subject` and returns the task id.
    static func submit(_ host: RunningBackend, _ name: String, as subject: String = "alice") async throws -> String {
        let created = try await HTTP.send(
            .POST, host.url("scaffolder", "/v2/tasks"), token: tokens[subject],
            json: #"{"templateRef":"template:default/\#(name)","values":{}}"#)
        #expect(created.status == 201, "\(created.body)")
        return try #require(created.json["id"] as? String)
    }

    /// The status of task `id`.
    static func status(_ host: RunningBackend, _ id: String) async throws -> String? {
        try await HTTP.send(.GET, host.url("scaffolder", "/v2/tasks/\(id)"), token: tokens["alice"]).json["status"]
            as? String
    }

    /// Waits until task `id` has `status`.
    static func waitFor(_ host: RunningBackend, _ id: String, _ status: String) async throws {
        var last: String?
        let reached = try await eventually {
            last = try await Self.status(host, id)
            return last == status
        }
        #expect(reached, "task \(id) is \(last ?? "missing"), not \(status)")
    }

    @Test(
        "GET /v2/tasks filters by createdBy and status, orders by order, pages, and refuses bad values",
        arguments: Engine.allCases)
    func list(_ engine: Engine) async throws {
        try await Self.withHost(engine, scaffolder: ["concurrentTasksLimit": 1]) { host in
            // One completed, one failed, one processing (holding the only slot) and one open task.
            let completed = try await Self.submit(host, "quick", as: "alice")
            try await Self.waitFor(host, completed, "completed")
            let failed = try await Self.submit(host, "broken", as: "bob")
            try await Self.waitFor(host, failed, "failed")
            let processing = try await Self.submit(host, "wait", as: "alice")
            try await Self.waitFor(host, processing, "processing")
            let open = try await Self.submit(host, "quick", as: "bob")
            let url = host.url("scaffolder", "/v2/tasks")
            func listed(_ query: String) async throws -> (ids: [String], total: Int?, tasks: [[String: Any]]) {
                let page = try await HTTP.send(.GET, url + query, token: Self.tokens["alice"])
                #expect(page.status == 200, "\(query): \(page.body)")
                let tasks = page.json["tasks"] as? [[String: Any]] ?? []
                return (tasks.compactMap { $0["id"] as? String }, page.json["totalTasks"] as? Int, tasks)
            }
            let all = try await listed("")
            #expect(all.ids == [completed, failed, processing, open] && all.total == 4)
            let first = try #require(all.tasks.first)
            #expect(Set(first.keys) == ["id", "spec", "status", "createdAt", "lastHeartbeatAt", "createdBy"])
            #expect(first["status"] as? String == "completed" && first["createdBy"] as? String == "alice")
            let spec = first["spec"] as? [String: Any] ?? [:]
            #expect((spec["templateInfo"] as? [String: Any])?["entityRef"] as? String == "template:default/quick")
            #expect(spec["parameters"] as? [String: Any] != nil)
            #expect((spec["steps"] as? [[String: Any]])?.first?["action"] as? String == "debug:log")

            for (query, expected, total) in [
                ("?createdBy=alice", [completed, processing], 2),
                ("?createdBy=alice&createdBy=bob", [completed, failed, processing, open], 4),
                ("?createdBy=carol", [], 0),
                ("?status=open&status=failed", [failed, open], 2),
                ("?createdBy=bob&status=open", [open], 1),
                ("?order=desc:created_at", [open, processing, failed, completed], 4),
                ("?order=asc:created_at", [completed, failed, processing, open], 4),
                ("?order=asc:status", [completed, failed, open, processing], 4),
                ("?order=desc:status", [processing, open, failed, completed], 4),
                ("?order=desc:created_by&order=asc:created_at", [failed, open, completed, processing], 4),
                ("?order=asc:created_by&order=desc:created_at", [processing, completed, open, failed], 4),
                ("?order=desc:created_at&limit=2&offset=1", [processing, failed], 4),
                ("?createdBy=alice&order=desc:created_at&limit=1", [processing], 2),
            ] {
                let page = try await listed(query)
                #expect(page.ids == expected && page.total == total, "\(query)")
            }

            for (query, message) in [
                (
                    "?order=up:created_at",
                    #"Invalid order parameter "up:created_at", expected "<asc or desc>:<field name>""#
                ),
                ("?order=asc", #"Invalid order parameter "asc", expected "<asc or desc>:<field name>""#),
                ("?order=asc:", #"Invalid order parameter "asc:", expected "<asc or desc>:<field name>""#),
                ("?order=asc:name", #"Invalid order field "name""#),
                ("?order=asc:created_at&order=desc:id", #"Invalid order field "id""#),
                (
                    "?status=done",
                    "Invalid status 'done', expected one of open, processing, completed, failed, cancelled"
                ),
            ] {
                let refused = try await HTTP.send(.GET, url + query, token: Self.tokens["alice"])
                #expect(
                    refused.body
                        == errorBody(
                            name: "InputError", message: message, method: "GET", url: "/v2/tasks\(query)",
                            status: 400))
            }
        }
    }

    @Test(
        "POST /v2/tasks/:id/cancel on replica A stops the debug:wait step running on replica B within 2 s; 409, 404",
        arguments: Engine.allCases)
    func cancel(_ engine: Engine) async throws {
        let logs = TestLogs()
        try await Self.withHosts(engine, scaffolder: ["concurrentTasksLimit": 1], logs: logs) { a, b in
            let running = try await Self.submit(a, "wait")
            // The step is running on B once its wait is logged.
            let waiting = try await eventually {
                let task = try await HTTP.send(
                    .GET, b.url("scaffolder", "/v2/tasks/\(running)"), token: Self.tokens["alice"])
                let log = task.json["log"] as? [[String: Any]] ?? []
                return log.contains { $0["message"] as? String == "Waiting 30000 ms" }
            }
            #expect(waiting)
            // B's only slot is taken: a second task stays open, and cancelling it skips all its steps.
            let open = try await Self.submit(a, "wait")
            let cancelOpen = try await HTTP.send(
                .POST, a.url("scaffolder", "/v2/tasks/\(open)/cancel"), token: Self.tokens["bob"])
            #expect(cancelOpen.status == 200 && cancelOpen.body == #"{"status":"cancelled"}"#, "\(cancelOpen.body)")
            let openTask = try await HTTP.send(
                .GET, a.url("scaffolder", "/v2/tasks/\(open)"), token: Self.tokens["alice"])
            #expect(openTask.json["status"] as? String == "cancelled")
            #expect(
                (openTask.json["steps"] as? [[String: Any]])?.map { $0["status"] as? String } == [
                    "skipped", "skipped",
                ])

            let start = ContinuousClock.now
            let cancelled = try await HTTP.send(
                .POST, a.url("scaffolder", "/v2/tasks/\(running)/cancel"), token: Self.tokens["alice"])
            #expect(cancelled.status == 200 && cancelled.body == #"{"status":"cancelled"}"#, "\(cancelled.body)")
            let stopped = await eventually(timeout: .seconds(10)) {
                logs.messages.contains("Stopped running the task: it was cancelled")
            }
            let latency = ContinuousClock.now - start
            #expect(stopped && latency < .seconds(2), "the step stopped after \(latency)")
            print("cancel latency (\(engine)): \(latency)")

            let task = try await HTTP.send(
                .GET, a.url("scaffolder", "/v2/tasks/\(running)"), token: Self.tokens["alice"])
            #expect(task.json["status"] as? String == "cancelled")
            #expect(
                (task.json["steps"] as? [[String: Any]])?.map { $0["status"] as? String } == ["cancelled", "skipped"])
            let events = try await HTTP.send(
                .GET, b.url("scaffolder", "/v2/tasks/\(running)/events"), token: Self.tokens["alice"]
            ).array
            let tail = events.suffix(2).map { event -> [String: String] in
                let body = event["body"] as? [String: Any] ?? [:]
                return [
                    "type": event["type"] as? String ?? "", "message": body["message"] as? String ?? "",
                    "stepId": body["stepId"] as? String ?? "", "status": body["status"] as? String ?? "",
                ]
            }
            #expect(
                tail == [
                    [
                        "type": "cancelled", "message": "Step wait has been cancelled.", "stepId": "wait",
                        "status": "cancelled",
                    ],
                    ["type": "completion", "message": "Task cancelled", "stepId": "", "status": "cancelled"],
                ])
            #expect(!events.contains { ($0["body"] as? [String: Any])?["message"] as? String == "after the wait" })
            // Nothing more happens to it once the worker has stopped.
            #expect(
                try await HTTP.send(
                    .GET, a.url("scaffolder", "/v2/tasks/\(running)/events"), token: Self.tokens["alice"]
                )
                .array.count == events.count)

            let again = try await HTTP.send(
                .POST, b.url("scaffolder", "/v2/tasks/\(running)/cancel"), token: Self.tokens["alice"])
            #expect(
                again.body
                    == errorBody(
                        name: "ConflictError",
                        message: "Task with id '\(running)' has already finished (cancelled); only an open or "
                            + "processing task can be cancelled",
                        method: "POST", url: "/v2/tasks/\(running)/cancel", status: 409))
            let completed = try await Self.submit(a, "quick")
            try await Self.waitFor(a, completed, "completed")
            let finished = try await HTTP.send(
                .POST, a.url("scaffolder", "/v2/tasks/\(completed)/cancel"), token: Self.tokens["alice"])
            #expect(finished.status == 409 && finished.body.contains("has already finished (completed)"))
            let unknown = try await HTTP.send(
                .POST, a.url("scaffolder", "/v2/tasks/nope/cancel"), token: Self.tokens["alice"])
            #expect(
                unknown.body
                    == errorBody(
                        name: "NotFoundError", message: "Task with id 'nope' does not exist", method: "POST",
                        url: "/v2/tasks/nope/cancel", status: 404))
        }
    }

    @Test(
        "GET /v2/tasks/:id/events?after= returns at once, when a new event arrives, or [] after its timeout",
        arguments: Engine.allCases)
    func longPoll(_ engine: Engine) async throws {
        try await Self.withHosts(engine, scaffolder: ["concurrentTasksLimit": 1]) { a, b in
            let token = Self.tokens["alice"]
            let done = try await Self.submit(a, "quick")
            try await Self.waitFor(a, done, "completed")
            let all = try await HTTP.send(.GET, a.url("scaffolder", "/v2/tasks/\(done)/events"), token: token).array
            let last = try #require(all.last?["id"] as? Int)
            #expect(all.last?["type"] as? String == "completion")
            let tail = try await HTTP.send(
                .GET, a.url("scaffolder", "/v2/tasks/\(done)/events?after=\(last - 1)"), token: token)
            #expect(tail.array.map { $0["id"] as? Int } == [last])

            // Nothing after the last event: [] once the wait is over.
            let start = ContinuousClock.now
            let none = try await HTTP.send(
                .GET, a.url("scaffolder", "/v2/tasks/\(done)/events?after=\(last)"), token: token)
            let waited = ContinuousClock.now - start
            #expect(none.status == 200 && none.body == "[]")
            #expect(
                waited >= Self.longPollTimeout - .milliseconds(100) && waited < Self.longPollTimeout + .seconds(2),
                "\(waited)")

            // A poll on A for a task running on B returns the events its cancellation writes.
            let running = try await Self.submit(a, "wait")
            #expect(
                try await eventually {
                    let log =
                        try await HTTP.send(.GET, b.url("scaffolder", "/v2/tasks/\(running)"), token: token)
                        .json["log"] as? [[String: Any]] ?? []
                    return log.contains { $0["message"] as? String == "Waiting 30000 ms" }
                })
            let count = try await HTTP.send(.GET, a.url("scaffolder", "/v2/tasks/\(running)/events"), token: token)
                .array
                .count
            let url = a.url("scaffolder", "/v2/tasks/\(running)/events?after=\(count)")
            async let polled = HTTP.send(.GET, url, token: token)
            let cancelled = try await HTTP.send(.POST, b.url("scaffolder", "/v2/tasks/\(running)/cancel"), token: token)
            #expect(cancelled.status == 200)
            let events = try await polled.array
            #expect(events.map { $0["type"] as? String } == ["cancelled", "completion"])
            #expect(events.first?["id"] as? Int == count + 1)

            let unknown = try await HTTP.send(.GET, a.url("scaffolder", "/v2/tasks/nope/events?after=1"), token: token)
            #expect(unknown.status == 404)
            let bad = try await HTTP.send(.GET, a.url("scaffolder", "/v2/tasks/\(done)/events?after=x"), token: token)
            #expect(
                bad.body
                    == errorBody(
                        name: "InputError", message: "Invalid after 'x', expected a non-negative integer (an event id)",
                        method: "GET", url: "/v2/tasks/\(done)/events?after=x", status: 400))
        }
    }
}
