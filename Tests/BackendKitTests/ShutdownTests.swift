import BackendKit
import BackendRuntime
import BackendTestSupport
import NIOHTTP1
import ServiceLifecycle
import Testing

@Suite("Graceful shutdown and background work")
struct ShutdownTests {
    @Test func inFlightRequestCompletesWhenShutdownIsTriggered() async throws {
        let started = Recorder<Bool>()
        let plugin = TestPlugin("slow") { routes, _ in
            routes.get("/work", access: .public) { _, _ in
                await started.record(true)
                try await Task.sleep(for: .milliseconds(700))
                return "done"
            }
        }
        let clock = ContinuousClock()
        let begin = clock.now
        let (response, stoppedAfter) = try await TestHost.with(plugins: [plugin]) { host in
            async let response = HTTP.send(.GET, "\(host.baseURL)/api/slow/work")
            while await started.values.isEmpty {
                try await Task.sleep(for: .milliseconds(10))
            }
            await host.shutdown()
            let result = try await response
            return (result, clock.now - begin)
        }
        #expect(response.status == 200)
        #expect(response.body == "done")
        #expect(stoppedAfter >= .milliseconds(650))
    }

    @Test func newConnectionsAreRefusedAfterShutdown() async throws {
        let port = try await TestHost.with(plugins: []) { host in host.port }
        #expect(!isListening(port: port))
    }

    @Test func repeatingTasksStartAfterListeningAndStopOnShutdown() async throws {
        let runs = Recorder<Int>()
        let gate = ListeningProbe()
        let plugin = TestPlugin("ticker") { routes, _ in
            routes.addRepeatingTask(name: "tick", initialDelay: .zero, interval: .milliseconds(20)) {
                await runs.record(await gate.listeningPort ?? -1)
            }
        }
        try await TestHost.with(plugins: [plugin]) { host in
            await gate.set(host.port)
            while await runs.values.count < 3 {
                try await Task.sleep(for: .milliseconds(10))
            }
        }
        let countAtStop = await runs.values.count
        try await Task.sleep(for: .milliseconds(100))
        #expect(await runs.values.count == countAtStop)
        // No run happened before the server listened (the probe learns the port right after listening,
        // so at most the very first run may have raced it).
        #expect(await runs.values.dropFirst().allSatisfy { $0 > 0 })
    }

    @Test func backgroundServicesRunUntilGracefulShutdown() async throws {
        let events = Recorder<String>()
        let plugin = TestPlugin("worker") { routes, _ in
            routes.addBackgroundService(EventService(events: events), name: "events")
            routes.addBackgroundService(FailingService(), name: "failing")
        }
        try await TestHost.with(plugins: [plugin]) { host in
            while await !events.values.contains("started") {
                try await Task.sleep(for: .milliseconds(10))
            }
            // A failing background service does not take the backend down.
            #expect(try await HTTP.send(.GET, "\(host.baseURL)/healthcheck").status == 200)
        }
        #expect(await events.values == ["started", "stopped"])
    }
}

/// Remembers the port once the test learned it.
actor ListeningProbe {
    private(set) var listeningPort: Int?
    func set(_ port: Int) { listeningPort = port }
}

/// Records start, then waits for graceful shutdown.
struct EventService: Service {
    let events: Recorder<String>

    func run() async throws {
        await events.record("started")
        try? await gracefulShutdown()
        await events.record("stopped")
    }
}

/// Fails immediately.
struct FailingService: Service {
    struct Failure: Error {}
    func run() async throws { throw Failure() }
}
