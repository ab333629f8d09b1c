import BackendKit
import BackendRuntime
import BackendTestSupport
import Foundation
import NIOHTTP1
import Testing

@Suite("Health routes")
struct HealthTests {
    /// While a plugin registers, the server already listens: liveness is 200, readiness and `/healthcheck` are 503
    /// `Backend has not started yet`, and plugin routes answer 503 instead of 404. After registration all is 200.
    @Test func readinessFollowsStartup() async throws {
        let seen = Recorder<String>()
        let slow = TestPlugin("slow") { routes, env in
            routes.get("/thing") { _, _ in "thing" }
            // The plugin asks its own host how it looks from outside while it is still registering.
            let base = try await env.discovery.getBaseUrl("slow").replacingOccurrences(of: "/api/slow", with: "")
            for path in [
                "/.backstage/health/v1/liveness", "/.backstage/health/v1/readiness", "/healthcheck", "/api/slow/thing",
            ] {
                let response = try await HTTP.send(.GET, base + path)
                await seen.record("\(path) \(response.status) \(response.body)")
            }
        }
        try await TestHost.with(plugins: [slow]) { backend in
            let notStarted = #"{"message":"Backend has not started yet","status":"error"}"#
            #expect(
                await seen.values == [
                    #"/.backstage/health/v1/liveness 200 {"status":"ok"}"#,
                    "/.backstage/health/v1/readiness 503 \(notStarted)",
                    "/healthcheck 503 \(notStarted)",
                    "/api/slow/thing 503 "
                        + errorBody(
                            name: "ServiceUnavailableError", message: "Backend has not started yet",
                            url: "/api/slow/thing", status: 503),
                ])
            for path in ["/.backstage/health/v1/liveness", "/.backstage/health/v1/readiness", "/healthcheck"] {
                let response = try await HTTP.send(.GET, backend.baseURL + path)
                #expect(response.status == 200)
                #expect(response.body == #"{"status":"ok"}"#)
            }
            #expect(try await HTTP.send(.GET, backend.baseURL + "/api/slow/thing").body == "thing")
        }
    }

    /// With `backend.lifecycle.serverShutdownDelay`, shutdown first turns readiness to 503 while the plugins keep
    /// answering; the server stops accepting only after the delay.
    @Test func shutdownDelayKeepsServingWithReadinessDown() async throws {
        let plugin = TestPlugin("p") { routes, _ in routes.get("/ok") { _, _ in "ok" } }
        // The delay is long enough that readiness has turned and the plugin still answers inside it even on a loaded
        // machine (a fixed 200 ms wait for the turn, with a 1.5 s delay, was not: the group had not reached the
        // delay yet).
        try await TestHost.with(yaml: "backend: {lifecycle: {serverShutdownDelay: 5000}}", plugins: [plugin]) {
            backend in
            let started = ContinuousClock.now
            await backend.shutdown()
            var readiness = try await HTTP.send(.GET, backend.baseURL + "/.backstage/health/v1/readiness")
            while readiness.status == 200, ContinuousClock.now - started < .seconds(4) {
                try await Task.sleep(for: .milliseconds(20))
                readiness = try await HTTP.send(.GET, backend.baseURL + "/.backstage/health/v1/readiness")
            }
            #expect(readiness.status == 503)
            #expect(readiness.body == #"{"message":"Backend is shutting down","status":"error"}"#)
            #expect(try await HTTP.send(.GET, backend.baseURL + "/api/p/ok").body == "ok")
            #expect(try await HTTP.send(.GET, backend.baseURL + "/healthcheck").status == 200)
            #expect(ContinuousClock.now - started < .seconds(5), "still inside the delay")
            #expect(await eventually(timeout: .seconds(15)) { !isListening(port: backend.port) })
            #expect(ContinuousClock.now - started >= .seconds(5))
        }
    }
}
