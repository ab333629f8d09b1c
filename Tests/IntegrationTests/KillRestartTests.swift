import BackendJSON
import BackendTestSupport
import Foundation
import NIOConcurrencyHelpers
import NIOHTTP1
import Testing

/// Writes acknowledged by a 201, collected by concurrent clients.
private final class Acknowledged: Sendable {
    let state = NIOLockedValueBox<(entities: [String], tasks: [String])>(([], []))
}

/// The backend under a load of registrations and task submissions is SIGKILLed and restarted ten times; nothing
/// that got a 201 is lost, the database opens without repair, and no task stays `processing`.
@Suite("SIGKILL under load", .serialized)
struct KillRestartTests {
    private static func config(_ engine: Engine, directory: URL, prefix: String) throws -> String {
        // The same section the store tests use, as JSON (which is YAML): SQLite files in <dir>/data, or PostgreSQL
        // databases under `prefix`.
        let database = try TestDatabases.section(
            engine, directory: directory.appendingPathComponent("data"), prefix: prefix
        ).jsonText()
        return """
            backend:
              listen: {host: 127.0.0.1, port: 0}
              database: \(database)
            catalog:
              rules: [{allow: [Component, API, Location, System, Group, User, Template]}]
              locations:
                - type: file
                  target: \(Repository.root.path)/Examples/catalog/templates.yaml
            scaffolder: {concurrentTasksLimit: 4, taskHeartbeatTimeout: 2s, taskTimeoutJanitorFrequency: 1s}
            search: {collators: {catalog: {schedule: {frequency: 1h, timeout: 1h, initialDelay: 1h}}}}
            """
    }

    /// Four clients write as fast as they can until cancelled; every 201 is recorded.
    private static func load(port: Int, round: Int, into acknowledged: Acknowledged) async {
        await withTaskGroup(of: Void.self) { group in
            for client in 0..<4 {
                group.addTask {
                    var index = 0
                    while !Task.isCancelled {
                        index += 1
                        let name = "kill-\(round)-\(client)-\(index)"
                        let base = "http://127.0.0.1:\(port)"
                        if client % 2 == 0 {
                            let body =
                                #"{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"\#(name)"},"#
                                + #""spec":{"type":"service","owner":"team-a","lifecycle":"production"}}"#
                            guard let response = try? await HTTP.send(.POST, "\(base)/api/catalog/entities", json: body)
                            else { return }
                            if response.status == 201 {
                                acknowledged.state.withLockedValue { $0.entities.append(name) }
                            }
                        } else {
                            let body =
                                #"{"templateRef":"template:default/create-component","values":{"name":"\#(name)","owner":"team-a"}}"#
                            guard
                                let response = try? await HTTP.send(
                                    .POST, "\(base)/api/scaffolder/v2/tasks", json: body),
                                response.status == 201, let id = response.json["id"] as? String
                            else { continue }
                            acknowledged.state.withLockedValue { $0.tasks.append(id) }
                        }
                    }
                }
            }
        }
    }

    @Test(arguments: Engine.allCases)
    func nothingAcknowledgedIsLost(_ engine: Engine) async throws {
        try await TestDatabases.withPrefix(engine, dropping: ["catalog", "scaffolder", "search"]) { prefix in
            try await TemporaryDirectory.with { dir in
                let file = try dir.write("app-config.yaml", try Self.config(engine, directory: dir.url, prefix: prefix))
                let acknowledged = Acknowledged()
                for round in 0..<10 {
                    let backend = try BackendProcess(["run", "--config", file])
                    defer { backend.stop() }
                    let port = try await backend.waitForListeningPort(timeout: .seconds(60))
                    let before = acknowledged.state.withLockedValue { ($0.entities.count, $0.tasks.count) }
                    let load = Task { await Self.load(port: port, round: round, into: acknowledged) }
                    // Each round kills a backend that is writing: some of both kinds acknowledged (however slow the
                    // machine), then a random while more, so that the kill lands anywhere in a write.
                    let writing = await eventually(timeout: .seconds(60)) {
                        acknowledged.state.withLockedValue {
                            $0.entities.count >= before.0 + 3 && $0.tasks.count >= before.1 + 3
                        }
                    }
                    #expect(writing, "round \(round): the restarted backend acknowledged no writes within 60 s")
                    try await Task.sleep(for: .milliseconds(Int.random(in: 0...600)))
                    backend.send(SIGKILL)
                    _ = try await backend.wait(timeout: .seconds(10))
                    load.cancel()
                    await load.value
                }
                let (entities, tasks) = acknowledged.state.withLockedValue { ($0.entities, $0.tasks) }
                #expect(entities.count > 20 && tasks.count > 20, "\(entities.count) entities, \(tasks.count) tasks")

                try await BackendProcess.withServer(arguments: ["run", "--config", file]) { _, port in
                    let base = "http://127.0.0.1:\(port)"
                    let listing = try await HTTP.send(.GET, "\(base)/api/catalog/entities?fields=metadata.name")
                    let stored = Set(
                        (try JSONSerialization.jsonObject(with: Data(listing.body.utf8)) as? [[String: Any]] ?? [])
                            .compactMap { ($0["metadata"] as? [String: Any])?["name"] as? String })
                    let missing = entities.filter { !stored.contains($0) }
                    #expect(missing.isEmpty, "\(missing.count) acknowledged entities are missing: \(missing.prefix(5))")

                    // Tasks open at a kill run now; those processing at a kill are failed once their heartbeat is
                    // older than 2 s (the janitor looks every second).
                    var statuses: [String: String] = [:]
                    let settled = await eventually(timeout: .seconds(120)) {
                        let list = (try? await HTTP.send(.GET, "\(base)/api/scaffolder/v2/tasks?limit=1000"))?.json
                        statuses = [:]
                        for task in list?["tasks"] as? [[String: Any]] ?? [] {
                            if let id = task["id"] as? String { statuses[id] = task["status"] as? String }
                        }
                        return tasks.allSatisfy { ["completed", "failed"].contains(statuses[$0]) }
                    }
                    let unsettled = tasks.filter { !["completed", "failed"].contains(statuses[$0]) }
                    #expect(settled, "tasks not final: \(unsettled.map { "\($0): \(statuses[$0] ?? "missing")" })")
                }
                if engine == .sqlite {
                    for plugin in ["catalog", "scaffolder", "search"] {
                        let check = try await BackendProcess.run(
                            [
                                "python3", "-c",
                                "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('PRAGMA integrity_check').fetchone()[0])",
                                "\(dir.url.path)/data/\(plugin).sqlite",
                            ],
                            executable: URL(fileURLWithPath: "/usr/bin/env"))
                        #expect(
                            check.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "ok", "\(plugin): \(check)")
                    }
                }
            }
        }
    }
}
