import BackendKit
import NIOConcurrencyHelpers
import Testing

/// `withTimeout(_:orThrow:liveness:_:)`, the one race of work against its timeout and its liveness check that the
/// scheduler and the scaffolder share.
@Suite("Timeout and liveness")
struct TimeoutTests {
    struct TimedOut: Error, Equatable {}
    struct Lost: Error, Equatable {}
    struct Failed: Error, Equatable {}

    /// Work that runs until it is cancelled, and records that it was.
    static func untilCancelled(_ cancelled: NIOLockedValueBox<Bool>) async throws -> Int {
        do {
            try await Task.sleep(for: .seconds(300))
        } catch {
            cancelled.withLockedValue { $0 = true }
            throw error
        }
        return 0
    }

    @Test func returnsWhatTheWorkReturns() async throws {
        let alive = Liveness(every: .milliseconds(10), orThrow: { Lost() }) { true }
        #expect(try await withTimeout(.seconds(60), orThrow: { TimedOut() }, liveness: alive) { 42 } == 42)
        #expect(try await withTimeout(nil, orThrow: { TimedOut() }) { "no limit" } == "no limit")
    }

    @Test func passesOnTheWorksError() async {
        await #expect(throws: Failed()) {
            try await withTimeout(.seconds(60), orThrow: { TimedOut() }) { () async throws -> Int in throw Failed() }
        }
    }

    @Test func throwsAtTheTimeoutAndCancelsTheWork() async {
        let cancelled = NIOLockedValueBox(false)
        await #expect(throws: TimedOut()) {
            try await withTimeout(.milliseconds(50), orThrow: { TimedOut() }) {
                try await Self.untilCancelled(cancelled)
            }
        }
        #expect(cancelled.withLockedValue { $0 })
    }

    @Test func throwsWhenTheLivenessCheckSaysStopAndCancelsTheWork() async {
        let cancelled = NIOLockedValueBox(false)
        let checks = NIOLockedValueBox(0)
        // Alive for two checks, then not: a lease lost, a task cancelled on another replica.
        let liveness = Liveness(every: .milliseconds(10), orThrow: { Lost() }) {
            checks.withLockedValue { count in
                count += 1
                return count < 3
            }
        }
        await #expect(throws: Lost()) {
            try await withTimeout(.seconds(60), orThrow: { TimedOut() }, liveness: liveness) {
                try await Self.untilCancelled(cancelled)
            }
        }
        #expect(checks.withLockedValue { $0 } == 3)
        #expect(cancelled.withLockedValue { $0 })
    }

    @Test func endsWithTheCallersCancellation() async {
        let cancelled = NIOLockedValueBox(false)
        let run = Task {
            try await withTimeout(.seconds(60), orThrow: { TimedOut() }) { try await Self.untilCancelled(cancelled) }
        }
        run.cancel()
        await #expect(throws: CancellationError.self) { try await run.value }
        #expect(cancelled.withLockedValue { $0 })
    }
}
