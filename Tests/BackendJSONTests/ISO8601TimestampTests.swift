import BackendJSON
import Foundation
import Testing

@Suite("ISO 8601 timestamps")
struct ISO8601TimestampTests {
    @Test func timestamps() {
        #expect(ISO8601Timestamp.format(0) == "1970-01-01T00:00:00Z")
        #expect(ISO8601Timestamp.format(951_782_400) == "2000-02-29T00:00:00Z")
        #expect(ISO8601Timestamp.format(1_796_014_800) == "2026-11-30T05:00:00Z")
        #expect(ISO8601Timestamp.format(-1) == "1969-12-31T23:59:59Z")
        #expect(ISO8601Timestamp.format(4_102_444_800) == "2100-01-01T00:00:00Z")
        #expect(ISO8601Timestamp.format(1_800_000_000.5) == "2027-01-15T08:00:00.500Z")
        #expect(ISO8601Timestamp.format(1e300) == "1e+300")
    }

    @Test func millisecondsAlwaysWhenAsked() {
        #expect(ISO8601Timestamp.format(0, milliseconds: .always) == "1970-01-01T00:00:00.000Z")
        #expect(ISO8601Timestamp.format(1_800_000_000.25, milliseconds: .always) == "2027-01-15T08:00:00.250Z")
    }

    /// `SystemClock().timestamp()` is JavaScript's `toISOString()` shape and agrees with Foundation's clock and
    /// formatter.
    @Test func nowMatchesFoundation() throws {
        let before = Date()
        let text = SystemClock().timestamp()
        let after = Date()
        #expect(text.count == 24 && text.hasSuffix("Z"))
        let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt)
        let parsed = try style.parse(text)
        #expect(parsed.timeIntervalSince(before) > -0.002)
        #expect(after.timeIntervalSince(parsed) > -0.002)
    }
}
