import BackendKit
import BackendRuntime
import BackendTestSupport
import NIOHTTP1
import Testing

@Suite("A request whose client went away")
struct ClientDisconnectTests {
    /// The handler of a request whose client closed the connection is cancelled, instead of running to its end.
    @Test func handlerIsCancelledWhenTheClientHangsUp() async throws {
        let events = Recorder<String>()
        let plugin = TestPlugin("slow") { routes, _ in
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
        let logs = LogCapture()
        try await TestHost.with(logs: logs, plugins: [plugin]) { host in
            #expect(sendAndHangUp(port: host.port, request: "GET /api/slow/wait HTTP/1.1\r\nHost: x\r\n\r\n"))
            #expect(await eventually { await events.values.contains("cancelled") })
            // The host keeps serving: the cancellation was the one connection's.
            let health = try await send(.GET, "\(host.baseURL)/healthcheck")
            #expect(health.status == 200)
            // Logged as nginx's 499 at info, not as a server error.
            #expect(await eventually { logs.messages.contains { $0.hasPrefix("GET /api/slow/wait 499 ") } })
            let line = logs.entries.first { $0.message.hasPrefix("GET /api/slow/wait ") }
            #expect(line?.level == .info)
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
                let response = try await send(.GET, "\(host.baseURL)/api/pause/nap")
                #expect(response.status == 200)
                #expect(response.body == "rested")
            }
        }
    }
}
