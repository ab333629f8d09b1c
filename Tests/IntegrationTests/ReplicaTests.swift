import BackendTestSupport
import Foundation
import NIOHTTP1
import Testing

/// Several `backend run` processes with one config and one PostgreSQL server behave as one backend: shared state,
/// scaffolder tasks claimed once, global scheduled tasks run once per period, tasks of a killed replica failed.
@Suite("Replicas on one PostgreSQL", .serialized)
struct ReplicaTests {
    static let plugins = ["catalog", "scaffolder", "search"]

    /// The shared config: PostgreSQL under `prefix`, the example catalog, and `extra` appended (YAML at the root).
    /// `backend` holds further `backend:` members, such as `lifecycle: {serverShutdownDelay: 1s}`.
    private static func config(prefix: String, extra: String = "", backend: String = "") throws -> String {
        """
        backend:
          \(backend)
          listen: {host: 127.0.0.1, port: 0}
          database:
            client: pg
            prefix: \(prefix)
            connection: '\(try TestDatabases.postgresURL())'
        catalog:
          rules: [{allow: [Component, API, Location, System, Group, User, Template]}]
          locations:
            - type: file
              target: \(Repository.root.path)/Examples/catalog/entities.yaml
            - type: file
              target: \(Repository.root.path)/Examples/catalog/templates.yaml
        \(extra)
        """
    }

    /// Starts one replica per config file, waits until every one is ready, runs `body` with them and their ports,
    /// and always kills them.
    static func withReplicas<T>(
        _ files: [String], _ body: ([BackendProcess], [Int]) async throws -> T
    ) async throws -> T {
        var replicas: [BackendProcess] = []
        defer { replicas.forEach { $0.stop() } }
        for file in files {
            replicas.append(try BackendProcess(["run", "--config", file]))
        }
        var ports: [Int] = []
        for replica in replicas {
            ports.append(try await replica.waitForListeningPort(timeout: .seconds(60)))
        }
        return try await body(replicas, ports)
    }

    static func url(_ port: Int, _ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    static func submit(_ port: Int, template: String = "create-component", values: String) async throws -> String {
        let submitted = try await HTTP.send(
            .POST, url(port, "/api/scaffolder/v2/tasks"),
            json: #"{"templateRef":"template:default/\#(template)","values":\#(values)}"#)
        #expect(submitted.status == 201, "\(submitted.body)")
        return try #require(submitted.json["id"] as? String)
    }

    static func task(_ port: Int, _ id: String) async throws -> [String: Any] {
        try await HTTP.send(.GET, url(port, "/api/scaffolder/v2/tasks/\(id)")).json
    }

    /// Waits until every task in `ids` is completed or failed (read through `port`) and returns their statuses.
    static func waitForFinal(_ port: Int, _ ids: [String], timeout: Duration) async throws -> [String: String] {
        let deadline = ContinuousClock.now + timeout
        var statuses: [String: String] = [:]
        while ContinuousClock.now < deadline {
            let list = try await HTTP.send(.GET, url(port, "/api/scaffolder/v2/tasks"))
            for task in list.json["tasks"] as? [[String: Any]] ?? [] {
                if let id = task["id"] as? String, let status = task["status"] as? String { statuses[id] = status }
            }
            if ids.allSatisfy({ ["completed", "failed"].contains(statuses[$0]) }) { return statuses }
            try await Task.sleep(for: .milliseconds(100))
        }
        return statuses
    }

    /// An entity written through one replica is read through the others; 30 tasks submitted round-robin to three
    /// replicas all complete, each registering its component exactly once (a second registration would be a 409
    /// and fail the task), and the runs are spread over the replicas.
    @Test func sharedStateAndTasksClaimedOnce() async throws {
        try await TestDatabases.withPrefix(.postgres, dropping: Self.plugins) { prefix in
            try await TemporaryDirectory.with { dir in
                let file = try dir.write(
                    "app-config.yaml",
                    try Self.config(prefix: prefix, extra: "scaffolder: {concurrentTasksLimit: 3}"))
                try await Self.withReplicas([file, file, file]) { replicas, ports in
                    let created = try await HTTP.send(
                        .POST, Self.url(ports[0], "/api/catalog/entities"),
                        json:
                            #"{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"shared"},"spec":{"type":"service","owner":"team-a","lifecycle":"production"}}"#
                    )
                    #expect(created.status == 201, "\(created.body)")
                    for port in ports.dropFirst() {
                        let read = try await HTTP.send(
                            .GET, Self.url(port, "/api/catalog/entities/by-name/component/default/shared"))
                        #expect(read.status == 200, "\(read.body)")
                    }

                    var ids: [String] = []
                    for index in 0..<30 {
                        ids.append(
                            try await Self.submit(
                                ports[index % 3], values: #"{"name":"replica-made-\#(index)","owner":"team-a"}"#))
                    }
                    let statuses = try await Self.waitForFinal(ports[1], ids, timeout: .seconds(60))
                    #expect(ids.map { statuses[$0] } == Array(repeating: "completed", count: 30), "\(statuses)")
                    for index in 0..<30 {
                        let entities = try await HTTP.send(
                            .GET,
                            Self.url(ports[2], "/api/catalog/entities?filter=metadata.name=replica-made-\(index)"))
                        let list = try JSONSerialization.jsonObject(with: Data(entities.body.utf8)) as? [Any]
                        #expect(list?.count == 1, "replica-made-\(index)")
                    }
                    // Each task's "Starting to run" line is logged by the replica that ran it, and by one only.
                    let runsPerReplica = replicas.map { replica in
                        let lines = replica.stderr.split(separator: "\n").filter { $0.contains("Starting to run") }
                        return ids.filter { id in lines.contains { $0.contains("task=\(id)") } }.count
                    }
                    #expect(runsPerReplica.reduce(0, +) == 30, "\(runsPerReplica)")
                }
            }
        }
    }

    /// A replica with `concurrentTasksLimit: 0` accepts tasks and runs none: another replica picks each up within
    /// 2 seconds of its submission.
    @Test func aReplicaWithLimitZeroHandsItsTasksToTheOthers() async throws {
        try await TestDatabases.withPrefix(.postgres, dropping: Self.plugins) { prefix in
            try await TemporaryDirectory.with { dir in
                let acceptOnly = try dir.write(
                    "accept-only.yaml", try Self.config(prefix: prefix, extra: "scaffolder: {concurrentTasksLimit: 0}"))
                let worker = try dir.write("worker.yaml", try Self.config(prefix: prefix))
                try await Self.withReplicas([acceptOnly, worker]) { replicas, ports in
                    for index in 0..<3 {
                        let started = ContinuousClock.now
                        let id = try await Self.submit(
                            ports[0], values: #"{"name":"handed-\#(index)","owner":"team-a"}"#)
                        let statuses = try await Self.waitForFinal(ports[0], [id], timeout: .seconds(10))
                        #expect(statuses[id] == "completed")
                        #expect(ContinuousClock.now - started < .seconds(3))
                        #expect(!replicas[0].stderr.contains("task=\(id)"))
                        #expect(replicas[1].stderr.contains("task=\(id)"))
                    }
                }
            }
        }
    }

    /// The search collator, a global task every second, runs once per period across three replicas: the runs
    /// that the replicas report add up to about the number of periods, not three times that.
    @Test func aGlobalTaskRunsOncePerPeriodAcrossReplicas() async throws {
        try await TestDatabases.withPrefix(.postgres, dropping: Self.plugins) { prefix in
            try await TemporaryDirectory.with { dir in
                let file = try dir.write(
                    "app-config.yaml",
                    try Self.config(
                        prefix: prefix,
                        extra: "search: {collators: {catalog: {schedule: {frequency: 1s, timeout: 30s}}}}"))
                try await Self.withReplicas([file, file, file]) { _, ports in
                    func totalRuns() async throws -> Int {
                        var total = 0
                        for port in ports {
                            let status = try await HTTP.send(.GET, Self.url(port, "/api/search/collators"))
                            let list =
                                try JSONSerialization.jsonObject(with: Data(status.body.utf8)) as? [[String: Any]]
                            total += list?.first?["runs"] as? Int ?? 0
                        }
                        return total
                    }
                    try await Task.sleep(for: .seconds(2))
                    let before = try await totalRuns()
                    let window = ContinuousClock.now
                    try await Task.sleep(for: .seconds(8))
                    let runs = try await totalRuns() - before
                    let periods = Int((ContinuousClock.now - window) / .seconds(1))
                    // At most one run per period across the three (each alone would run every period); a loaded machine may
                    // lose periods, never add any.
                    #expect(runs >= 1 && runs <= periods + 1, "\(runs) runs in \(periods) periods")

                    // Every replica answers from the shared index, also those that did not collate.
                    for port in ports {
                        let found = try await HTTP.send(.GET, Self.url(port, "/api/search/query?term=payment"))
                        #expect(found.body.contains("payment-service"), "\(port): \(found.body)")
                    }
                }
            }
        }
    }

    /// SIGKILL of the replica running a long `debug:wait` task: the janitor on the surviving replica fails the task
    /// with Backstage's message within heartbeat timeout + janitor period + 2 seconds, visible through it.
    @Test func aKilledReplicasTaskIsFailedByTheJanitor() async throws {
        try await TestDatabases.withPrefix(.postgres, dropping: Self.plugins) { prefix in
            try await TemporaryDirectory.with { dir in
                let timing = "taskHeartbeatTimeout: 3s, taskTimeoutJanitorFrequency: 1s"
                let runner = try dir.write(
                    "runner.yaml", try Self.config(prefix: prefix, extra: "scaffolder: {\(timing)}"))
                let survivor = try dir.write(
                    "survivor.yaml",
                    try Self.config(prefix: prefix, extra: "scaffolder: {concurrentTasksLimit: 0, \(timing)}"))
                try await Self.withReplicas([runner, survivor]) { replicas, ports in
                    let template =
                        #"{"apiVersion":"scaffolder.backstage.io/v1beta3","kind":"Template","metadata":{"name":"long-wait"},"#
                        + #""spec":{"type":"service","owner":"team-a","steps":[{"id":"wait","name":"Wait","action":"debug:wait","input":{"seconds":120}}]}}"#
                    let registered = try await HTTP.send(
                        .POST, Self.url(ports[1], "/api/catalog/entities"), json: template)
                    #expect(registered.status == 201, "\(registered.body)")
                    let id = try await Self.submit(ports[1], template: "long-wait", values: "{}")
                    // The task turns `processing` when claimed and its step a write later; wait for the step, or the
                    // kill may land between the two (the step is then rightly `skipped`, never started).
                    var status = ""
                    for _ in 0..<100 where status != "processing" {
                        try await Task.sleep(for: .milliseconds(100))
                        let steps = try await Self.task(ports[1], id)["steps"] as? [[String: Any]]
                        status = steps?.first?["status"] as? String ?? ""
                    }
                    #expect(status == "processing")
                    replicas[0].send(SIGKILL)
                    _ = try await replicas[0].wait(timeout: .seconds(10))
                    let killed = ContinuousClock.now

                    let statuses = try await Self.waitForFinal(ports[1], [id], timeout: .seconds(20))
                    let elapsed = ContinuousClock.now - killed
                    #expect(statuses[id] == "failed")
                    #expect(elapsed < .seconds(3 + 1 + 2), "failed after \(elapsed)")
                    let task = try await Self.task(ports[1], id)
                    let message =
                        "The task was cancelled because the task worker lost connection to the task broker"
                    #expect((task["error"] as? [String: Any])?["message"] as? String == message)
                    let log = task["log"] as? [[String: Any]] ?? []
                    #expect(log.contains { $0["message"] as? String == message })
                    #expect((task["steps"] as? [[String: Any]])?.first?["status"] as? String == "failed")
                }
            }
        }
    }

    /// After SIGTERM with `backend.lifecycle.serverShutdownDelay: 4s`, readiness answers 503 at once while plugin
    /// routes still answer, and the process exits 0 after the delay.
    @Test func readinessDuringAShutdownDelay() async throws {
        try await TemporaryDirectory.with { dir in
            let file = try dir.write(
                "app-config.yaml",
                """
                backend:
                  listen: {host: 127.0.0.1, port: 0}
                  lifecycle: {serverShutdownDelay: 4s}
                """)
            let backend = try BackendProcess(["run", "--config", file])
            defer { backend.stop() }
            let port = try await backend.waitForListeningPort()
            let ready = try await HTTP.send(.GET, Self.url(port, "/.backstage/health/v1/readiness"))
            #expect(ready.status == 200)
            #expect(ready.body == #"{"status":"ok"}"#)
            let signalled = ContinuousClock.now
            backend.send(SIGTERM)
            // The signal reaches the process's handler on its own schedule: wait for readiness to turn, which on a
            // busy machine may take longer than any fixed pause (the delay is 4 s so that this wait fits inside it).
            var draining = ready
            #expect(
                try await eventually(timeout: .seconds(3)) {
                    draining = try await HTTP.send(.GET, Self.url(port, "/.backstage/health/v1/readiness"))
                    return draining.status == 503
                })
            #expect(draining.body == #"{"message":"Backend is shutting down","status":"error"}"#)
            let live = try await HTTP.send(.GET, Self.url(port, "/.backstage/health/v1/liveness"))
            #expect(live.status == 200)
            let served = try await HTTP.send(.GET, Self.url(port, "/api/catalog/entities"))
            #expect(served.status == 200)
            #expect(try await backend.wait(timeout: .seconds(20)) == 0)
            #expect(ContinuousClock.now - signalled >= .seconds(4))
        }
    }

    /// A client that balances like a load balancer: it probes every backend's readiness every 100 ms, sends
    /// `GET /api/catalog/entities` at 40 requests/s to the ready ones in turn, reads the backend ports from a file
    /// the test rewrites, and once the file `<ports file>.stop` exists prints `{"statuses": {code: count}, "errors": n}`
    /// and exits (a file rather than a signal: the test runner's children may inherit a blocked SIGTERM).
    static let balancingClient = """
        import json, os, sys, threading, time, urllib.request, urllib.error
        ports_file = sys.argv[1]
        ready, statuses, errors, stop = set(), {}, [0], threading.Event()
        def ports():
            try:
                return [int(p) for p in open(ports_file).read().split()]
            except Exception:
                return []
        def probe():
            while not stop.is_set():
                for port in ports():
                    try:
                        with urllib.request.urlopen(f"http://127.0.0.1:{port}/.backstage/health/v1/readiness", timeout=1) as r:
                            ok = r.status == 200
                    except Exception:
                        ok = False
                    (ready.add if ok else ready.discard)(port)
                for port in list(ready):
                    if port not in ports():
                        ready.discard(port)
                time.sleep(0.1)
        threading.Thread(target=probe, daemon=True).start()
        print("Listening on 127.0.0.1:0", flush=True)
        turn = 0
        while not os.path.exists(ports_file + ".stop"):
            targets = sorted(ready)
            if targets:
                port = targets[turn % len(targets)]
                turn += 1
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/catalog/entities", timeout=10) as r:
                        r.read()
                        statuses[r.status] = statuses.get(r.status, 0) + 1
                except urllib.error.HTTPError as e:
                    statuses[e.code] = statuses.get(e.code, 0) + 1
                except Exception:
                    errors[0] += 1
            time.sleep(0.025)
        stop.set()
        print(json.dumps({"statuses": statuses, "errors": errors[0]}), flush=True)
        """

    /// A rolling restart of two replicas (each SIGTERMed with a 1 s shutdown delay, then started again) under a
    /// steady load through a readiness-following client answers no 5xx and drops no connection.
    @Test func aRollingRestartUnderLoadAnswersNo5xx() async throws {
        try await TestDatabases.withPrefix(.postgres, dropping: Self.plugins) { prefix in
            try await TemporaryDirectory.with { dir in
                let file = try dir.write(
                    "app-config.yaml",
                    try Self.config(prefix: prefix, backend: "lifecycle: {serverShutdownDelay: 1s}"))
                var replicas = [
                    try BackendProcess(["run", "--config", file]), try BackendProcess(["run", "--config", file]),
                ]
                defer { replicas.forEach { $0.stop() } }
                var ports = [
                    try await replicas[0].waitForListeningPort(), try await replicas[1].waitForListeningPort(),
                ]
                let portsFile = try dir.write("ports", ports.map(String.init).joined(separator: " "))
                let client = try BackendProcess(
                    ["python3", "-c", Self.balancingClient, portsFile], executable: URL(fileURLWithPath: "/usr/bin/env")
                )
                defer { client.stop() }
                _ = try await client.waitForListeningPort(ready: false)
                try await Task.sleep(for: .seconds(1))
                for index in 0..<2 {
                    replicas[index].send(SIGTERM)
                    #expect(try await replicas[index].wait(timeout: .seconds(30)) == 0)
                    let restarted = try BackendProcess(["run", "--config", file])
                    replicas.append(restarted)
                    ports[index] = try await restarted.waitForListeningPort()
                    _ = try dir.write("ports", ports.map(String.init).joined(separator: " "))
                    try await Task.sleep(for: .seconds(1))
                }
                _ = try dir.write("ports.stop", "")
                _ = try await client.wait(timeout: .seconds(15))
                let summary =
                    try JSONSerialization.jsonObject(
                        with: Data((client.stdout.split(separator: "\n").last ?? "").utf8)) as? [String: Any]
                let statuses = summary?["statuses"] as? [String: Int] ?? [:]
                #expect(statuses.keys.sorted() == ["200"], "\(client.stdout)")
                #expect((statuses["200"] ?? 0) > 100, "\(client.stdout)")
                #expect(summary?["errors"] as? Int == 0, "\(client.stdout)")
            }
        }
    }
}
