import BackendTestSupport
import Foundation
import NIOHTTP1
import Testing

/// PostgreSQL stopped (`pg_ctl stop -m immediate`) under a running `backend` and started again: requests that need
/// the database answer 503 naming the plugin, the log says why once, and everything recovers without a restart.
///
/// The server is a private one ( ``PrivatePostgres``): the shared server of `BACKEND_TEST_POSTGRES_URL` serves other
/// tests meanwhile and must stay up.
@Suite("PostgreSQL outage under a running backend")
struct DatabaseOutageTests {
    static let message = "The catalog plugin's database is unavailable; try again later"

    private static func config(database url: String, template: String) -> String {
        """
        backend:
          listen: {host: 127.0.0.1, port: 0}
          database: {client: pg, connection: '\(url)'}
        catalog:
          rules: [{allow: [Component, API, Location, System, Group, User, Template]}]
          locations:
            - {type: file, target: \(template)}
        scaffolder: {taskHeartbeatTimeout: 60s, taskTimeoutJanitorFrequency: 1s, taskTimeout: 5m}
        search: {collators: {catalog: {schedule: {frequency: 1h, timeout: 1h, initialDelay: 1h}}}}
        """
    }

    /// A template whose first step outlasts the moment the database goes away.
    private static let template = """
        apiVersion: scaffolder.backstage.io/v1beta3
        kind: Template
        metadata: {name: outlast-outage, title: Outlast an outage}
        spec:
          owner: platform-team
          type: service
          parameters:
            - title: Values
              required: [name]
              properties:
                name: {title: Name, type: string}
          steps:
            - {id: wait, name: Wait, action: debug:wait, input: {milliseconds: 4000}}
            - {id: say, name: Say, action: debug:log, input: {message: "outlasted by ${{ parameters.name }}"}}
        """

    private static func entity(_ name: String) -> String {
        #"{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"\#(name)"},"#
            + #""spec":{"type":"service","owner":"team-a","lifecycle":"production"}}"#
    }

    /// The lines of `text` that contain `fragment`.
    private static func lines(_ text: String, containing fragment: String) -> [Substring] {
        text.split(separator: "\n").filter { $0.contains(fragment) }
    }

    @Test(.enabled(if: PrivatePostgres.isAvailable, "PostgreSQL server binaries (initdb, pg_ctl) are not installed"))
    func anOutageAnswers503AndRecoversWithoutARestart() async throws {
        try await PrivatePostgres.with { server in
            try await TemporaryDirectory.with { dir in
                let template = try dir.write("template.yaml", Self.template)
                let file = try dir.write("app-config.yaml", Self.config(database: server.url, template: template))
                let backend = try BackendProcess(["run", "--config", file])
                defer { backend.stop() }
                let base = "http://127.0.0.1:\(try await backend.waitForListeningPort())"

                // Acknowledged writes before the outage.
                var acknowledged: [String] = []
                for index in 0..<5 {
                    let name = "before-\(index)"
                    let created = try await HTTP.send(.POST, "\(base)/api/catalog/entities", json: Self.entity(name))
                    #expect(created.status == 201, "\(created.body)")
                    if created.status == 201 { acknowledged.append(name) }
                }
                // A task that is running (in its first step) when the database goes away.
                let submitted = try await HTTP.send(
                    .POST, "\(base)/api/scaffolder/v2/tasks",
                    json: #"{"templateRef":"template:default/outlast-outage","values":{"name":"the-task"}}"#)
                #expect(submitted.status == 201, "\(submitted.body)")
                let taskId = try #require(submitted.json["id"] as? String)
                #expect(
                    try await eventually {
                        try await HTTP.send(.GET, "\(base)/api/scaffolder/v2/tasks/\(taskId)/events").body.contains(
                            "Beginning step Wait")
                    })

                try await server.stop()

                // Several requests, reads and writes, while the server is down.
                var durations: [Duration] = []
                let requests: [(HTTPMethod, String, String?)] = [
                    (.GET, "/entities", nil), (.GET, "/entities/by-name/component/default/before-0", nil),
                    (.POST, "/entities", Self.entity("during")), (.GET, "/entities?filter=kind=component", nil),
                    (.GET, "/entities", nil),
                ]
                for (method, path, body) in requests {
                    let started = ContinuousClock.now
                    let response = try await HTTP.send(method, "\(base)/api/catalog\(path)", json: body)
                    durations.append(ContinuousClock.now - started)
                    #expect(response.status == 503, "\(method) \(path): \(response.body)")
                    let error = response.json["error"] as? [String: Any]
                    #expect(error?["name"] as? String == "ServiceUnavailableError")
                    #expect(error?["message"] as? String == Self.message)
                    #expect((response.json["request"] as? [String: Any])?["url"] as? String == path)
                    #expect(!response.body.contains(PrivatePostgres.password))
                }
                #expect(durations.allSatisfy { $0 < .seconds(10) }, "\(durations)")
                print("503 while PostgreSQL was down: \(durations.map { "\($0.milliseconds) ms" })")

                // Readiness does not follow the database: replicas sharing it stay in the load balancer.
                for path in ["/.backstage/health/v1/readiness", "/.backstage/health/v1/liveness", "/healthcheck"] {
                    #expect(try await HTTP.send(.GET, "\(base)\(path)").status == 200, "\(path)")
                }

                let unreachable = "Database for plugin catalog is unreachable at 127.0.0.1:\(server.port): "
                #expect(await eventually { !Self.lines(backend.stderr, containing: unreachable).isEmpty })
                // The running task pauses at its next write instead of failing.
                #expect(
                    await eventually {
                        !Self.lines(backend.stderr, containing: "Waiting for the database to store the task's progress")
                            .filter { $0.contains("task=\(taskId)") }.isEmpty
                    })

                let restarted = ContinuousClock.now
                try await server.start()
                #expect(
                    await eventually {
                        (try? await HTTP.send(.GET, "\(base)/api/catalog/entities").status) == 200
                    })
                print("catalog answered 200 again \((ContinuousClock.now - restarted).milliseconds) ms after the start")
                let janitorRun = try await Self.lastRunEnded(base, "scaffolder", "scaffolder-task-janitor")

                // No acknowledged write is lost, the write refused meanwhile is not there, and new writes succeed.
                for name in acknowledged {
                    let found = try await HTTP.send(
                        .GET, "\(base)/api/catalog/entities/by-name/component/default/\(name)")
                    #expect(found.status == 200, "\(name): \(found.body)")
                }
                let refused = try await HTTP.send(.GET, "\(base)/api/catalog/entities/by-name/component/default/during")
                #expect(refused.status == 404)
                let after = try await HTTP.send(.POST, "\(base)/api/catalog/entities", json: Self.entity("after"))
                #expect(after.status == 201, "\(after.body)")

                // The paused task carries on and completes; scheduled work runs again.
                #expect(
                    try await eventually {
                        try await HTTP.send(.GET, "\(base)/api/scaffolder/v2/tasks/\(taskId)").json["status"]
                            as? String == "completed"
                    })
                let events = try await HTTP.send(.GET, "\(base)/api/scaffolder/v2/tasks/\(taskId)/events").body
                #expect(events.contains("outlasted by the-task"), "\(events)")
                #expect(
                    try await eventually {
                        try await Self.lastRunEnded(base, "scaffolder", "scaffolder-task-janitor") != janitorRun
                    })

                // One line each way for the outage, with the level that says what it is, and never the password.
                let back = "Database for plugin catalog is reachable again"
                #expect(await eventually { !Self.lines(backend.stderr, containing: back).isEmpty })
                let log = backend.stderr
                let down = Self.lines(log, containing: unreachable)
                #expect(down.count == 1, "\(down)")
                #expect(down.allSatisfy { $0.contains(" error ") }, "\(down)")
                let up = Self.lines(log, containing: back)
                #expect(up.count == 1, "\(up)")
                #expect(up.allSatisfy { $0.contains(" info ") }, "\(up)")
                print((down + up).joined(separator: "\n"))
                for plugin in ["scaffolder", "search"] {
                    let lines = Self.lines(log, containing: "Database for plugin \(plugin) is unreachable")
                    #expect(lines.count <= 1, "\(lines)")
                }
                #expect(!log.contains(PrivatePostgres.password))
                #expect(!log.contains("Opening new connection for pool failed"))
                #expect(backend.process.isRunning)
            }
        }
    }

    /// `taskState.lastRunEndedAt` of a plugin's scheduled task, from the scheduler route.
    private static func lastRunEnded(_ base: String, _ plugin: String, _ task: String) async throws -> String? {
        let response = try await HTTP.send(.GET, "\(base)/api/\(plugin)/.backstage/scheduler/v1/tasks")
        let tasks = response.json["tasks"] as? [[String: Any]] ?? []
        let state = tasks.first { $0["taskId"] as? String == task }?["taskState"] as? [String: Any]
        return state?["lastRunEndedAt"] as? String
    }
}

extension Duration {
    /// Whole milliseconds, for messages.
    fileprivate var milliseconds: Int64 {
        components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
    }
}
