import AsyncHTTPClient
import BackendTestSupport
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import Testing

/// Faults a deployment meets in production: SIGTERM under load, the catalog deployment dying under the
/// scaffolder and search deployments, and clients that open connections and send nothing.
@Suite("Faults", .serialized)
struct FaultTests {
    static let threeDeployments = Repository.root.appendingPathComponent("Examples/three-deployments")

    // MARK: - SIGTERM under load

    @Test("SIGTERM under load: in-flight requests finish, no 5xx, exit 0 within 10 s")
    func sigtermUnderLoad() async throws {
        try await SlowUpstream.with(delay: 3) { (upstream: SlowUpstream.Server) in
            let upstreamPort = upstream.port
            try await TemporaryDirectory.with { dir in
                let secret = "aG9zdGlsZS1zaWd0ZXJtLWxvYWQtc2VjcmV0LTMyLWJ5dGVzIQ=="
                let examples = Repository.root.appendingPathComponent("Examples/catalog").path
                let config = try dir.write(
                    "app-config.yaml",
                    """
                    backend:
                      listen: { host: 127.0.0.1, port: 0 }
                      auth:
                        keys:
                          - secret: \(secret)
                    catalog:
                      rules: [{allow: [Component, API, Location, System, Group, User, Template]}]
                      locations:
                        - type: file
                          target: \(examples)/entities.yaml
                    discovery:
                      endpoints:
                        # search's catalog is a slow stand-in, so refreshes stay in flight for 3 s.
                        - target: http://127.0.0.1:\(upstreamPort)/api/catalog
                          plugins: [catalog]
                    search:
                      collators:
                        catalog: { initialDelay: 1h, frequency: 1h }
                    """
                )
                let token = try await BackendProcess.run(["token", "create", "--secret", secret]).stdout
                    .trimmingCharacters(in: .whitespacesAndNewlines)
                let backend = try BackendProcess(["run", "--config", config, "--plugins", "catalog,search"])
                defer { backend.stop() }
                let port = try await backend.waitForListeningPort()
                let base = "http://127.0.0.1:\(port)"

                let signalled = NIOLockedValueBox<ContinuousClock.Instant?>(nil)
                let exited = NIOLockedValueBox<ContinuousClock.Instant?>(nil)
                let tally = NIOLockedValueBox<(ok: Int, other: [Int], errorsBefore: [String], errorsAfter: Int)>(
                    (0, [], [], 0))
                // The load has its own client: enough connections per host that it is not queued behind the slow
                // requests, and short timeouts, since a refused connection after SIGTERM is retried until the deadline.
                var configuration = HTTPClient.Configuration()
                configuration.connectionPool = .init(
                    idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: 64)
                configuration.timeout = .init(connect: .seconds(1), read: .seconds(10))
                let loadClient = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
                let started = ContinuousClock.now
                // The client must be shut down whatever happens, or its deinit traps and takes the test run down.
                do {
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        // 8 slow requests in flight when the signal arrives: each must complete with 200.
                        for _ in 0..<8 {
                            group.addTask {
                                let response = try await HTTP.send(
                                    .POST, base + "/api/search/collators/catalog/refresh", token: token)
                                #expect(response.status == 200, "\(response.body)")
                            }
                        }
                        // 32 clients hammering the catalog until the process has exited.
                        for _ in 0..<32 {
                            group.addTask {
                                while exited.withLockedValue({ $0 }) == nil {
                                    do {
                                        var request = HTTPClientRequest(url: base + "/api/catalog/entities")
                                        request.headers.add(name: "Authorization", value: "Bearer \(token)")
                                        let response = try await loadClient.execute(request, timeout: .seconds(5))
                                        _ = try await response.body.collect(upTo: 4 << 20)
                                        tally.withLockedValue {
                                            if response.status == .ok {
                                                $0.ok += 1
                                            } else {
                                                $0.other.append(Int(response.status.code))
                                            }
                                        }
                                    } catch {
                                        if signalled.withLockedValue({ $0 }) == nil {
                                            tally.withLockedValue { $0.errorsBefore.append("\(error)") }
                                        } else {
                                            // After SIGTERM, new connections are refused.
                                            tally.withLockedValue { $0.errorsAfter += 1 }
                                            try? await Task.sleep(for: .milliseconds(20))
                                        }
                                    }
                                }
                            }
                        }
                        group.addTask {
                            while backend.process.isRunning { try await Task.sleep(for: .milliseconds(10)) }
                            exited.withLockedValue { $0 = .now }
                        }
                        // Signalled once every slow request is in the server's hands (each collation has called the
                        // upstream). A fixed wait raced on a busy machine: a request still in the listener's accept
                        // queue when the server stopped listening was reset (remoteConnectionClosed); such a request
                        // was never in flight, and retrying it is the client's part.
                        try await upstream.waitForRequests(8)
                        // And once the load is being answered: on a busy machine the 8 slow requests could reach the
                        // upstream before any load request had completed, and the run then measured nothing.
                        while tally.withLockedValue({ $0.ok }) == 0, ContinuousClock.now - started < .seconds(30) {
                            try await Task.sleep(for: .milliseconds(10))
                        }
                        signalled.withLockedValue { $0 = .now }
                        backend.send(SIGTERM)
                        try await group.waitForAll()
                    }
                } catch {
                    try? await loadClient.shutdown()
                    throw error
                }
                try await loadClient.shutdown()
                let code = try await backend.wait(timeout: .seconds(10))
                let shutdown = (exited.withLockedValue { $0 } ?? .now) - (signalled.withLockedValue { $0 } ?? started)
                let result = tally.withLockedValue { $0 }
                #expect(code == 0, "\(backend.stderr.suffix(2000))")
                #expect(shutdown < .seconds(10), "exit took \(shutdown): \(backend.stderr.suffix(3000))")
                #expect(result.ok > 0)
                #expect(result.other.isEmpty, "non-200 answers under load: \(result.other.prefix(20))")
                #expect(result.errorsBefore.isEmpty, "errors before SIGTERM: \(result.errorsBefore.prefix(3))")
                print(
                    "sigterm-under-load: \(result.ok) requests answered 200, \(result.errorsAfter) refused after SIGTERM, exit \(code) \(shutdown) after SIGTERM"
                )
            }
        }
    }

    // MARK: - The catalog deployment dies

    static let slowTemplate = """
        apiVersion: scaffolder.backstage.io/v1beta3
        kind: Template
        metadata:
          name: slow-register
          title: Waits, then registers a component
        spec:
          owner: platform-team
          type: service
          parameters:
            - title: Component
              required: [name]
              properties:
                name: { title: Name, type: string }
          steps:
            - id: wait
              name: Wait
              action: debug:wait
              input: { milliseconds: 2000 }
            - id: register
              name: Register the component
              action: catalog:register
              input:
                entity:
                  apiVersion: backstage.io/v1alpha1
                  kind: Component
                  metadata: { name: "${{ parameters.name }}" }
                  spec: { type: service, lifecycle: experimental, owner: platform-team }
        """

    @Test("catalog deployment killed: tasks fail with a reason, search keeps its index and recovers, nothing hangs")
    func catalogDies() async throws {
        try await TemporaryDirectory.with { dir in
            let templates = try dir.write("slow-template.yaml", Self.slowTemplate)
            let catalogFiles = Repository.root.appendingPathComponent("Examples/catalog")
            let locations = [
                catalogFiles.appendingPathComponent("entities.yaml").path,
                catalogFiles.appendingPathComponent("templates.yaml").path, templates,
            ].map { #"{"type":"file","target":"\#($0)"}"# }.joined(separator: ",")
            let catalogPort = try Loopback.freePort()
            let production = ["BACKEND_ENV": "production", "APP_CONFIG_backend_listen_port": "0"]
            var catalogEnvironment = production
            catalogEnvironment["APP_CONFIG_backend_listen_port"] = "\(catalogPort)"
            catalogEnvironment["APP_CONFIG_catalog_locations"] = "[\(locations)]"
            var clients = production
            clients["APP_CONFIG_discovery_endpoints"] =
                #"[{"target":"http://127.0.0.1:\#(catalogPort)/api/{{pluginId}}","plugins":["catalog"]}]"#
            clients["APP_CONFIG_search_collators_catalog_initialDelay"] = "100ms"
            clients["APP_CONFIG_search_collators_catalog_frequency"] = "1s"
            clients["APP_CONFIG_scaffolder_taskTimeout"] = "20s"

            func startCatalog() throws -> BackendProcess {
                try BackendProcess(
                    ["run", "--config", "catalog.yaml", "--plugins", "catalog"], environment: catalogEnvironment,
                    currentDirectory: Self.threeDeployments)
            }
            var catalog = try startCatalog()
            defer { catalog.stop() }
            #expect(try await catalog.waitForListeningPort() == catalogPort)
            let scaffolder = try BackendProcess(
                ["run", "--config", "scaffolder.yaml", "--plugins", "scaffolder"], environment: clients,
                currentDirectory: Self.threeDeployments)
            defer { scaffolder.stop() }
            let search = try BackendProcess(
                ["run", "--config", "search.yaml", "--plugins", "search"], environment: clients,
                currentDirectory: Self.threeDeployments)
            defer { search.stop() }
            let scaffolderURL = "http://127.0.0.1:\(try await scaffolder.waitForListeningPort())/api/scaffolder"
            let searchURL = "http://127.0.0.1:\(try await search.waitForListeningPort())/api/search"
            var tokens: [String: String] = [:]
            for deployment in ["scaffolder", "search"] {
                tokens[deployment] = try await BackendProcess.run(
                    ["token", "create", "--config", "\(deployment).yaml"], environment: ["BACKEND_ENV": "production"],
                    currentDirectory: Self.threeDeployments
                ).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            }
            func collatorStatus() async throws -> [String: Any] {
                let response = try await HTTP.send(.GET, searchURL + "/collators", token: tokens["search"])
                let list = try JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [[String: Any]]
                return list?.first ?? [:]
            }
            func task(_ id: String) async throws -> [String: Any] {
                try await HTTP.send(.GET, scaffolderURL + "/v2/tasks/\(id)", token: tokens["scaffolder"]).json
            }

            // 1. Search indexes the catalog.
            var documents = 0
            #expect(
                try await eventually(timeout: .seconds(15)) {
                    documents = try await collatorStatus()["documents"] as? Int ?? 0
                    return documents > 0
                })
            let queryBefore = try await HTTP.send(.GET, searchURL + "/query?term=service", token: tokens["search"])
            let resultsBefore = queryBefore.json["numberOfResults"] as? Int ?? -1

            // 2. A task is running (waiting 2 s before it registers) when the catalog dies.
            let submitted = try await HTTP.send(
                .POST, scaffolderURL + "/v2/tasks", token: tokens["scaffolder"],
                json: #"{"templateRef":"template:default/slow-register","values":{"name":"orphan-task"}}"#)
            #expect(submitted.status == 201, "\(submitted.body)")
            let orphan = try #require(submitted.json["id"] as? String)
            catalog.send(SIGKILL)
            _ = try? await catalog.wait(timeout: .seconds(5))

            // 3. The task fails with a reason naming the unreachable catalog, within its timeout.
            var failed: [String: Any] = [:]
            #expect(
                try await eventually(timeout: .seconds(20)) {
                    failed = try await task(orphan)
                    return ["failed", "completed"].contains(failed["status"] as? String ?? "")
                })
            #expect(failed["status"] as? String == "failed", "\(failed)")
            let reason = (failed["error"] as? [String: Any])?["message"] as? String ?? ""
            #expect(reason.contains("catalog") && reason.contains("unreachable"), "reason: \(reason)")

            // 4. A new task is refused with 503 and the reason; no 500, no hang.
            let refused = try await HTTP.send(
                .POST, scaffolderURL + "/v2/tasks", token: tokens["scaffolder"],
                json: #"{"templateRef":"template:default/create-component","values":{"name":"x1","owner":"a"}}"#)
            #expect(refused.status == 503, "\(refused.body)")
            #expect(refused.body.contains("ServiceUnavailableError") && refused.body.contains("catalog"))

            // 5. Search keeps its last index while its collator fails.
            var during: [String: Any] = [:]
            #expect(
                try await eventually(timeout: .seconds(30)) {
                    during = try await collatorStatus()
                    return (during["lastError"] as? String)?.isEmpty == false
                }, "the collator never reported the dead catalog: \(during)")
            #expect(during["documents"] as? Int == documents, "\(during)")
            let queryDuring = try await HTTP.send(.GET, searchURL + "/query?term=service", token: tokens["search"])
            #expect(queryDuring.status == 200)
            #expect(queryDuring.json["numberOfResults"] as? Int == resultsBefore)

            // 6. The catalog comes back on the same port: search recovers, tasks run again.
            catalog = try startCatalog()
            #expect(try await catalog.waitForListeningPort() == catalogPort)
            var recovered: [String: Any] = [:]
            let didRecover = try await eventually(timeout: .seconds(15)) {
                recovered = try await collatorStatus()
                return recovered["lastError"] == nil || recovered["lastError"] is NSNull
            }
            #expect(didRecover, "search did not recover: \(recovered)")
            let again = try await HTTP.send(
                .POST, scaffolderURL + "/v2/tasks", token: tokens["scaffolder"],
                json:
                    #"{"templateRef":"template:default/create-component","values":{"name":"after-restart","owner":"a"}}"#
            )
            #expect(again.status == 201, "\(again.body)")
            let againId = try #require(again.json["id"] as? String)
            var finalTask: [String: Any] = [:]
            let completed = try await eventually(timeout: .seconds(15)) {
                finalTask = try await task(againId)
                return finalTask["status"] as? String == "completed"
            }
            #expect(completed, "\(finalTask)")

            // 7. Neither client deployment crashed; both shut down cleanly.
            for process in [scaffolder, search] {
                #expect(process.process.isRunning)
                process.send(SIGTERM)
                #expect(try await process.wait(timeout: .seconds(10)) == 0)
                #expect(!process.stderr.contains("Fatal error"))
            }
        }
    }

    // MARK: - Silent clients

    /// Opens a TCP connection to 127.0.0.1:`port`, optionally writes `bytes`, and returns the descriptor.
    static func openConnection(port: Int, sending bytes: [UInt8] = []) throws -> Int32 {
        guard let fd = Loopback.openConnection(port: port) else {
            throw BackendProcess.Failure(description: "connect failed: errno \(errno)")
        }
        if !bytes.isEmpty { _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) } }
        return fd
    }

    /// True when the peer has closed `fd` (a non-blocking read returns 0 or a reset).
    static func peerClosed(_ fd: Int32) -> Bool {
        var byte: UInt8 = 0
        let count = recv(fd, &byte, 1, Int32(MSG_DONTWAIT))
        return count == 0 || (count < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
    }

    @Test("1,000 silent and 200 half-sent connections do not starve others, and the idle timeout closes them")
    func silentClients() async throws {
        try await TemporaryDirectory.with { dir in
            let secret = "aG9zdGlsZS1zaWxlbnQtY2xpZW50cy1zZWNyZXQtMzItYnl0ZXMh"
            let config = try dir.write(
                "app-config.yaml",
                "backend:\n  listen: { host: 127.0.0.1, port: 0 }\n  auth:\n    keys:\n      - secret: \(secret)\n")
            let token = try await BackendProcess.run(["token", "create", "--secret", secret]).stdout
                .trimmingCharacters(in: .whitespacesAndNewlines)
            let backend = try BackendProcess(["run", "--config", config, "--plugins", "catalog"])
            defer { backend.stop() }
            let port = try await backend.waitForListeningPort()
            var descriptors: [Int32] = []
            defer { descriptors.forEach { close($0) } }
            for _ in 0..<1000 {
                descriptors.append(try Self.openConnection(port: port))
            }
            // Slowloris: a request line and half a header, then nothing.
            for _ in 0..<200 {
                descriptors.append(
                    try Self.openConnection(
                        port: port, sending: Array("GET /healthcheck HTTP/1.1\r\nHost: x\r\nX-Slow: ".utf8)))
            }
            // Others are still served promptly.
            var slowest = Duration.zero
            for _ in 0..<50 {
                let start = ContinuousClock.now
                let response = try await HTTP.send(.GET, "http://127.0.0.1:\(port)/api/catalog/entities", token: token)
                slowest = max(slowest, ContinuousClock.now - start)
                #expect(response.status == 200)
            }
            #expect(slowest < .seconds(1), "slowest request took \(slowest)")
            // The server's idle timeout (30 s) reclaims every silent and half-sent connection.
            var closed = 0
            let reclaimed = await eventually(timeout: .seconds(45)) {
                closed = descriptors.filter(Self.peerClosed).count
                return closed == descriptors.count
            }
            #expect(reclaimed, "\(closed) of \(descriptors.count) idle connections closed by the server")
            print(
                "silent-clients: \(closed) of \(descriptors.count) idle connections closed; slowest request \(slowest)")
            #expect(backend.process.isRunning)
        }
    }
}
