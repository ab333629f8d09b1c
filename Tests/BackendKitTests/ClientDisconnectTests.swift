import BackendKit
import BackendRuntime
import BackendTestSupport
import BackendTesting
import Foundation
import NIOHTTP1
import SQLKit
import Testing

@Suite("A request whose client went away")
struct ClientDisconnectTests {
    /// The handler of a request whose client closed the connection is cancelled, instead of running to its end.
    /// A plugin whose `GET /wait` sleeps two minutes, recording when it started and how it ended.
    static func slowPlugin(_ events: Recorder<String>) -> TestPlugin {
        TestPlugin("slow") { routes, _ in
            routes.get("/wait", access: .public) { _, _ in
                await events.record("started")
                do {
                    try await Task.sleep(for: .seconds(120))
                    await events.record("finished")
                } catch {
                    await events.record(error is CancellationError ? "cancelled" : "failed")
                    throw error
                }
                return "done"
            }
        }
    }

    @Test func handlerIsCancelledWhenTheClientHangsUp() async throws {
        let events = Recorder<String>()
        let plugin = Self.slowPlugin(events)
        let logs = TestLogs()
        try await TestHost.with(logs: logs, plugins: [plugin]) { host in
            #expect(sendAndHangUp(port: host.port, request: "GET /api/slow/wait HTTP/1.1\r\nHost: x\r\n\r\n"))
            #expect(await eventually { await events.values.contains("cancelled") })
            // The host keeps serving: the cancellation was the one connection's.
            let health = try await HTTP.send(.GET, "\(host.baseURL)/healthcheck")
            #expect(health.status == 200)
            // Logged as nginx's 499 at info, not as a server error.
            #expect(await eventually { logs.messages.contains { $0.hasPrefix("GET /api/slow/wait 499 ") } })
            let line = logs.entries.first { $0.message.description.hasPrefix("GET /api/slow/wait ") }
            #expect(line?.level == .info)
        }
        #expect(await events.values == ["started", "cancelled"])
    }

    /// A client that only shuts down its sending side (`shutdown(SHUT_WR)`) while its request runs has gone as
    /// far as the host is concerned: the handler is cancelled and the connection closed, as for a full hang-up.
    @Test func handlerIsCancelledWhenTheClientHalfCloses() async throws {
        let events = Recorder<String>()
        let plugin = Self.slowPlugin(events)
        try await TestHost.with(plugins: [plugin]) { host in
            let socket = try #require(
                connectAndSend(port: host.port, request: "GET /api/slow/wait HTTP/1.1\r\nHost: x\r\n\r\n"))
            defer { close(socket) }
            #expect(await eventually { await events.values.contains("started") })
            #expect(shutdown(socket, Int32(SHUT_WR)) == 0)
            #expect(await eventually { await events.values.contains("cancelled") })
            // The host closed the connection: reading finds its end, with no response.
            var byte: UInt8 = 0
            #expect(recv(socket, &byte, 1, 0) <= 0)
        }
        #expect(await events.values == ["started", "cancelled"])
    }

    /// A keep-alive connection's requests are not cancelled by each other's completion: three requests in a row on
    /// one connection all finish.
    @Test func keepAliveRequestsAreNotCancelled() async throws {
        let plugin = TestPlugin("pause") { routes, _ in
            routes.get("/nap", access: .public) { _, _ in
                try await Task.sleep(for: .milliseconds(20))
                return "rested"
            }
        }
        try await TestHost.with(plugins: [plugin]) { host in
            for _ in 0..<3 {
                let response = try await HTTP.send(.GET, "\(host.baseURL)/api/pause/nap")
                #expect(response.status == 200)
                #expect(response.body == "rested")
            }
        }
    }
}

@Suite("A query whose client went away")
struct ClientDisconnectQueryTests {
    /// A plugin whose `/endless` runs a statement that never ends by itself, recording when the handler is done.
    static func plugin(_ events: Recorder<String>) -> TestPlugin {
        TestPlugin("reports") { routes, env in
            let database = env.database
            let endless: SQLQueryString =
                database.dialect == .sqlite
                ? "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"
                : "SELECT pg_sleep(600)"
            routes.get("/endless", access: .public) { _, _ -> String in
                await events.record("started")
                do {
                    try await database.withSession { db in try await db.raw(endless).run() }
                } catch {
                    await events.record("ended")
                    throw error
                }
                return "finished"
            }
            routes.get("/in-use", access: .public) { _, _ -> String in "\(database.connectionUsage.inUse)" }
        }
    }

    /// The statement under a request whose client hung up stops within moments, long before the statement
    /// timeout (10 minutes here), and gives its connection back; the database serves the next request.
    @Test(arguments: TestDatabaseEngine.allCases)
    func statementStopsWhenTheClientHangsUp(_ engine: TestDatabaseEngine) async throws {
        let events = Recorder<String>()
        let backend = TestBackend(
            plugins: [Self.plugin(events)], config: "backend: {database: {statementTimeout: 10m}}")
        // Live: the client that hangs up needs a socket of its own.
        try await backend.test(.live, engine: engine) { client in
            let port = try #require(client.baseURL.flatMap { URLComponents(string: $0)?.port })
            // The client waits until the statement runs, then gives up.
            let socket = try #require(
                connectAndSend(port: port, request: "GET /api/reports/endless HTTP/1.1\r\nHost: x\r\n\r\n"))
            // Its session holds a connection (a session its task starts after cancellation runs in full, as
            // cleanup code needs; so the client leaves only once the statement's session began).
            let running = await eventually {
                (try? await client.get("/api/reports/in-use"))?.text == "1"
            }
            #expect(running)
            close(socket)
            let hungUp = ContinuousClock.now
            #expect(await eventually(timeout: .seconds(60)) { await events.values.contains("ended") })
            // A generous bound for a loaded machine; without cancellation it is 10 minutes.
            #expect(ContinuousClock.now - hungUp < .seconds(30))
            let idle = await eventually {
                (try? await client.get("/api/reports/in-use"))?.text == "0"
            }
            #expect(idle)
        }
        #expect(await events.values == ["started", "ended"])
    }
}
