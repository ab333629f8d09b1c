import BackendJSON
import BackendKit
import BackendRuntime
import BackendTestSupport
import CatalogPlugin
import Foundation
import NIOCore
import NIOHTTP1
import ScaffolderPlugin
import Testing

/// The scaffolder's bounds through HTTP, on a live host with the catalog, on SQLite and PostgreSQL: hostile templates,
/// values and queues get the documented 4xx/503 or a bounded success, and the host stays alive.
@Suite("Scaffolder bounds on a live host", .serialized)
struct ScaffolderBoundsLiveTests {
    /// Sends a request and reads up to 256 MiB of the answer.
    static func request(
        _ method: HTTPMethod = .GET, _ url: String, token: String? = nil, json: String? = nil
    ) async throws -> HTTP.Response {
        try await HTTP.send(method, url, token: token, json: json, timeout: .seconds(60), limit: 256 << 20)
    }

    /// A template with `steps` and a string parameter `big`.
    static func template(_ name: String, steps: [JSONValue]) -> JSONValue {
        [
            "apiVersion": "scaffolder.backstage.io/v1beta3", "kind": "Template", "metadata": ["name": .string(name)],
            "spec": [
                "parameters": ["properties": ["big": ["type": "string"]]],
                "steps": .array(steps),
            ],
        ]
    }

    /// A `debug:log` step writing `message`.
    static func logStep(_ id: String, _ message: String) -> JSONValue {
        ["id": .string(id), "action": "debug:log", "input": ["message": .string(message)]]
    }

    /// The templates the tests run, loaded from a file location.
    static let templates: [JSONValue] = [
        template("big-input", steps: [logStep("log", String(repeating: "${{ parameters.big }}", count: 100))]),
        template("many-steps", steps: (1...101).map { logStep("s\($0)", "step \($0)") }),
        template(
            "fetch-and-repeat",
            steps: [
                [
                    "id": "fetch", "action": "catalog:fetch",
                    "input": ["entityRef": "template:default/fetch-and-repeat"],
                ],
                logStep("log", String(repeating: "${{ steps.fetch.output.entity }}", count: 50)),
            ]),
        template("log-big", steps: [logStep("log", "${{ parameters.big }}")]),
        template("quick", steps: [logStep("log", "hi")]),
    ]

    /// Static tokens and their subjects.
    static let tokens = ["alice": "alice-static-token-0123456", "bob": "bob-static-token-01234567"]

    /// `backend.auth` with the static tokens of ``tokens``.
    static let auth: JSONValue = [
        "keys": [["secret": "c2NhZmZvbGRlci1ib3VuZHMtdGVzdC1rZXktMDEyMzQ1Njc="]],
        "externalAccess": .array(
            tokens.sorted { $0.key < $1.key }.map { subject, token in
                ["type": "static", "options": ["token": .string(token), "subject": .string(subject)]]
            }),
    ]

    /// Runs `body` against a host with the catalog (holding ``templates``) and the scaffolder configured with
    /// `scaffolder`, on `engine`.
    func withHost(
        _ engine: Engine, scaffolder: JSONObject = [:], auth: JSONValue? = nil,
        _ body: (RunningBackend) async throws -> Void
    ) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bounds-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("templates.yaml")
        try Self.templates.map { $0.jsonText() }.joined(separator: "\n---\n").write(
            to: file, atomically: true, encoding: .utf8)
        try await TestDatabases.withPrefix(engine, dropping: ["catalog", "scaffolder"]) { prefix in
            var backend: JSONObject = [
                "baseUrl": "http://127.0.0.1:7007",
                "database": try TestDatabases.section(engine, directory: directory, prefix: prefix),
            ]
            if let auth { backend["auth"] = auth }
            var section: JSONObject = ["taskTimeout": ["seconds": 10]]
            for (key, value) in scaffolder { section[key] = value }
            let config = TestHosts.config(extra: [
                ("backend", .object(backend)),
                (
                    "catalog",
                    ["locations": [["type": "file", "target": .string(file.path)]], "rules": TestHosts.exampleRules]
                ),
                ("scaffolder", .object(section)),
            ])
            try await TestHosts.with(config, plugins: [CatalogPlugin(), ScaffolderPlugin()], body)
        }
    }

    /// `{"templateRef":"template:default/<name>","values":{"big":<big>}}`.
    static func submission(_ name: String, big: String = "") -> String {
        JSONValue.object(["templateRef": .string("template:default/\(name)"), "values": ["big": .string(big)]])
            .jsonText()
    }

    /// Whether the host still answers its liveness probe.
    static func alive(_ host: RunningBackend) async throws -> Bool {
        try await request(.GET, "\(host.baseURL)/.backstage/health/v1/liveness").status == 200
    }

    /// Waits for task `id` to finish and returns it.
    static func finished(_ host: RunningBackend, _ id: String, token: String? = nil) async throws -> HTTP.Response {
        var answer = try await request(.GET, host.url("scaffolder", "/v2/tasks/\(id)"), token: token)
        let done = try await eventually {
            answer = try await request(.GET, host.url("scaffolder", "/v2/tasks/\(id)"), token: token)
            return ["completed", "failed"].contains(answer.json["status"] as? String ?? "")
        }
        #expect(done, "\(answer.body.prefix(500))")
        return answer
    }

    @Test(
        "at the default limits: 100 copies of a 1 MB value and 101 steps are a 400, a 1 MB log line is cut",
        arguments: Engine.allCases)
    func defaults(_ engine: Engine) async throws {
        try await withHost(engine) { host in
            let megabyte = String(repeating: "x", count: 1_000_000)
            let big = try await Self.request(
                .POST, host.url("scaffolder", "/v2/tasks"), json: Self.submission("big-input", big: megabyte))
            #expect(big.status == 400)
            #expect(
                big.body
                    == errorBody(
                        name: "InputError",
                        message:
                            "Invalid parameters for template 'template:default/big-input': the rendered input of step "
                            + "'log' is larger than 1048576 bytes (scaffolder.maxStepInputBytes)",
                        method: "POST", url: "/v2/tasks", status: 400))
            let steps = try await Self.request(
                .POST, host.url("scaffolder", "/v2/tasks"), json: Self.submission("many-steps"))
            #expect(
                steps.body
                    == errorBody(
                        name: "InputError",
                        message: "Template 'template:default/many-steps' has 101 steps, more than 100 "
                            + "(scaffolder.maxTemplateSteps)",
                        method: "POST", url: "/v2/tasks", status: 400))
            #expect(try await Self.alive(host))

            // One copy runs; its log line is cut to 64 KiB, so the task stays about the size of its values.
            let logged = try await Self.request(
                .POST, host.url("scaffolder", "/v2/tasks"), json: Self.submission("log-big", big: megabyte))
            #expect(logged.status == 201, "\(logged.body)")
            let id = try #require(logged.json["id"] as? String)
            let task = try await Self.finished(host, id)
            #expect(task.json["status"] as? String == "completed")
            let messages = (task.json["log"] as? [[String: Any]] ?? []).compactMap { $0["message"] as? String }
            #expect(messages.contains(String(repeating: "x", count: 65506) + "… [truncated: 934494 bytes]"))
            #expect(messages.allSatisfy { $0.utf8.count <= 65536 })
            #expect(task.body.utf8.count < 1_000_000 + 70_000, "\(task.body.utf8.count) bytes")
            let events = try await Self.request(.GET, host.url("scaffolder", "/v2/tasks/\(id)/events"))
            #expect(events.status == 200 && events.body.utf8.count < 70_000, "\(events.body.utf8.count) bytes")
            let list = try await Self.request(.GET, host.url("scaffolder", "/v2/tasks"))
            #expect(list.status == 200 && list.json["totalTasks"] as? Int == 1)
            #expect(try await Self.alive(host))
        }
    }

    @Test(
        "a step input that only step outputs make too large fails the task, naming the limit",
        arguments: Engine.allCases)
    func runtimeInput(_ engine: Engine) async throws {
        try await withHost(engine, scaffolder: ["maxStepInputBytes": 16384]) { host in
            let submitted = try await Self.request(
                .POST, host.url("scaffolder", "/v2/tasks"), json: Self.submission("fetch-and-repeat"))
            #expect(submitted.status == 201, "\(submitted.body)")
            let task = try await Self.finished(host, try #require(submitted.json["id"] as? String))
            #expect(task.json["status"] as? String == "failed")
            let error = task.json["error"] as? [String: String]
            #expect(
                error == [
                    "name": "InputError",
                    "message":
                        "InputError: the rendered input of step 'log' is larger than 16384 bytes (scaffolder.maxStepInputBytes)",
                ])
            let steps = (task.json["steps"] as? [[String: Any]] ?? []).compactMap { $0["status"] as? String }
            #expect(steps == ["completed", "failed"])
            #expect(task.body.utf8.count < 16384)
            #expect(try await Self.alive(host))
        }
    }

    @Test(
        "the queue: 429 for a caller's share, 503 when full, both with Retry-After; no task is evicted",
        arguments: Engine.allCases)
    func queue(_ engine: Engine) async throws {
        let scaffolder: JSONObject = ["concurrentTasksLimit": 0, "maxTasks": 3, "maxOpenTasksPerCaller": 2]
        try await withHost(engine, scaffolder: scaffolder, auth: Self.auth) { host in
            let (alice, bob) = (Self.tokens["alice"], Self.tokens["bob"])
            let url = host.url("scaffolder", "/v2/tasks")
            var ids: [String] = []
            for token in [alice, alice] {
                let created = try await Self.request(.POST, url, token: token, json: Self.submission("quick"))
                #expect(created.status == 201, "\(created.body)")
                ids.append(try #require(created.json["id"] as? String))
            }
            let tooMany = try await Self.request(.POST, url, token: alice, json: Self.submission("quick"))
            #expect(tooMany.status == 429)
            #expect(tooMany.headers.first(name: "Retry-After") == "10")
            #expect(
                tooMany.body
                    == errorBody(
                        name: "TooManyRequestsError",
                        message: "The caller 'alice' has 2 unfinished tasks, as many as one caller may have "
                            + "(scaffolder.maxOpenTasksPerCaller); try again once one has finished",
                        method: "POST", url: "/v2/tasks", status: 429))
            let third = try await Self.request(.POST, url, token: bob, json: Self.submission("quick"))
            #expect(third.status == 201, "\(third.body)")
            ids.append(try #require(third.json["id"] as? String))
            let full = try await Self.request(.POST, url, token: bob, json: Self.submission("quick"))
            #expect(full.status == 503)
            #expect(full.headers.first(name: "Retry-After") == "10")
            #expect(
                full.body
                    == errorBody(
                        name: "ServiceUnavailableError",
                        message: "The scaffolder has 3 unfinished tasks, as many as it accepts (scaffolder.maxTasks); "
                            + "try again once some have finished",
                        method: "POST", url: "/v2/tasks", status: 503))
            for id in ids {
                let task = try await Self.request(.GET, host.url("scaffolder", "/v2/tasks/\(id)"), token: alice)
                #expect(task.status == 200 && task.json["status"] as? String == "open")
            }
            #expect(try await Self.alive(host))
        }
    }

    @Test(
        "GET /v2/tasks pages: limit and offset, their errors, and a page over maxResponseBytes refused",
        arguments: Engine.allCases)
    func pages(_ engine: Engine) async throws {
        let scaffolder: JSONObject = ["concurrentTasksLimit": 0, "maxPageSize": 5, "maxResponseBytes": 50000]
        try await withHost(engine, scaffolder: scaffolder) { host in
            let url = host.url("scaffolder", "/v2/tasks")
            var ids: [String] = []
            for _ in 0..<7 {
                let created = try await Self.request(.POST, url, json: Self.submission("quick"))
                ids.append(try #require(created.json["id"] as? String))
            }
            func listed(_ query: String) async throws -> (ids: [String], total: Int?) {
                let page = try await Self.request(.GET, url + query)
                #expect(page.status == 200, "\(page.body)")
                let tasks = page.json["tasks"] as? [[String: Any]] ?? []
                return (tasks.compactMap { $0["id"] as? String }, page.json["totalTasks"] as? Int)
            }
            let first = try await listed("")
            #expect(first.ids == Array(ids[0..<5]) && first.total == 7)
            #expect(try await listed("?offset=5").ids == Array(ids[5...]))
            #expect(try await listed("?limit=2&offset=1&status=open").ids == Array(ids[1...2]))
            for (query, message) in [
                ("?limit=6", "Invalid limit '6', at most 5 tasks per page (scaffolder.maxPageSize)"),
                ("?limit=abc", "Invalid limit 'abc', expected an integer from 0 to 5"),
                ("?limit=-1", "Invalid limit '-1', expected an integer from 0 to 5"),
                ("?offset=-1", "Invalid offset '-1', expected a non-negative integer"),
            ] {
                let refused = try await Self.request(.GET, url + query)
                #expect(
                    refused.body
                        == errorBody(
                            name: "InputError", message: message, method: "GET", url: "/v2/tasks\(query)",
                            status: 400))
            }

            // Tasks of 30 KB each: two do not fit in 50,000 bytes.
            let value = String(repeating: "v", count: 30000)
            for _ in 0..<3 {
                let created = try await Self.request(.POST, url, json: Self.submission("log-big", big: value))
                #expect(created.status == 201, "\(created.body)")
            }
            let tooLarge = try await Self.request(.GET, url + "?offset=7")
            #expect(
                tooLarge.body
                    == errorBody(
                        name: "InputError",
                        message: "The page would be larger than 50000 bytes (scaffolder.maxResponseBytes): only the "
                            + "first 1 of its 3 tasks fit; ask for fewer with limit",
                        method: "GET", url: "/v2/tasks?offset=7", status: 400))
            let one = try await Self.request(.GET, url + "?offset=8&limit=1")
            #expect(one.status == 200 && one.body.utf8.count <= 50000)
            #expect(try await Self.alive(host))
        }
    }

    @Test(
        "at the default limits, a page of 17 tasks with 1 MB values is refused instead of building 17 MB",
        arguments: Engine.allCases)
    func listAtDefaults(_ engine: Engine) async throws {
        try await withHost(engine, scaffolder: ["concurrentTasksLimit": 0]) { host in
            let url = host.url("scaffolder", "/v2/tasks")
            let megabyte = String(repeating: "x", count: 1_000_000)
            for _ in 0..<17 {
                let created = try await Self.request(.POST, url, json: Self.submission("quick", big: megabyte))
                #expect(created.status == 201, "\(created.body)")
            }
            let refused = try await Self.request(.GET, url)
            #expect(
                refused.body
                    == errorBody(
                        name: "InputError",
                        message: "The page would be larger than 16777216 bytes (scaffolder.maxResponseBytes): only "
                            + "the first 16 of its 17 tasks fit; ask for fewer with limit",
                        method: "GET", url: "/v2/tasks", status: 400))
            let page = try await Self.request(.GET, url + "?limit=16")
            #expect(page.status == 200 && page.body.utf8.count <= 16_777_216, "\(page.body.utf8.count) bytes")
            #expect(try await Self.alive(host))
        }
    }
}
