import BackendKit
import Testing

@testable import BackendTesting

@Suite struct TestBackendSpeedTests {
    /// The kit's promise to plugin authors: a whole in-process test of one guarded route (startup, the request,
    /// shutdown) takes well under 100 ms. Medians of 15 rounds, router and live interleaved so both see the same
    /// machine; BENCHMARKS.md has the figures.
    @Test func anInProcessTestOfAGuardedRouteTakesWellUnder100ms() async throws {
        var router: [Duration] = []
        var live: [Duration] = []
        var request: [Duration] = []
        for round in 0..<17 {
            for transport in [TestTransport.router, .live] {
                let started = ContinuousClock.now
                try await TestBackend(plugins: [echo]).test(transport) { client in
                    let sent = ContinuousClock.now
                    let response = try await client.get("/api/echo/whoami", as: .backend)
                    #expect(response.status == .ok)
                    if transport == .router, round >= 2 { request.append(ContinuousClock.now - sent) }
                }
                // The first two rounds warm up (lazy globals, the first connections).
                guard round >= 2 else { continue }
                if transport == .router {
                    router.append(ContinuousClock.now - started)
                } else {
                    live.append(ContinuousClock.now - started)
                }
            }
        }
        let median = { (durations: [Duration]) in durations.sorted()[durations.count / 2] }
        print(
            "in-process test of a guarded route: router \(median(router)), live \(median(live)), request \(median(request))"
        )
        #expect(median(router) < .milliseconds(100))
    }
}
