import BackendJSON
import Testing

/// The manual clock tests replay timelines with, the one Duration-to-milliseconds conversion and the one shape of
/// message-only errors. (`SystemClock` is checked against Foundation in ``ISO8601TimestampTests``.)
@Suite("Clocks, durations and message errors")
struct WallClockTests {
    @Test func manualClockStandsStillUntilMoved() {
        let clock = ManualClock(1_796_112_000)
        #expect(clock.now() == 1_796_112_000)
        #expect(clock.timestamp() == "2026-12-01T08:00:00.000Z")
        clock.advance(by: .milliseconds(1_500))
        #expect(clock.now() == 1_796_112_001.5)
        #expect(clock.timestamp() == "2026-12-01T08:00:01.500Z")
        #expect(clock.timestamp(after: .seconds(60)) == "2026-12-01T08:01:01.500Z")
        clock.set(0)
        #expect(clock.timestamp() == "1970-01-01T00:00:00.000Z")
    }

    @Test func durationInWholeMilliseconds() {
        #expect(Duration.seconds(1.5).milliseconds == 1500)
        #expect(Duration.microseconds(2_999).milliseconds == 2)
        #expect(Duration.seconds(-2).milliseconds == -2000)
        #expect(Duration.zero.milliseconds == 0)
    }

    struct SampleError: MessageError {
        let message: String
        init(_ message: String) { self.message = message }
    }

    @Test func messageErrorIsItsMessage() {
        let error = SampleError("Could not read 'x.yaml'")
        #expect(error.description == "Could not read 'x.yaml'")
        #expect("\(error)" == "Could not read 'x.yaml'")
        #expect(error == SampleError("Could not read 'x.yaml'"))
    }
}
