#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The wall clock the framework reads: token lifetimes, the times stores write, scheduler state and log lines.
///
/// Code that needs the time takes a clock (``SystemClock`` by default) instead of reading the system's, so a test
/// replays a timeline with ``ManualClock``. Times that replicas compare (a scheduler lease, a task's heartbeat)
/// come from the database instead (`PluginDatabase.clock`), and a stored row takes all of its times from one of
/// the two, never both.
///
/// ```swift
/// let clock: any WallClock = SystemClock()
/// clock.now()        // 1796112012.345 (Unix seconds)
/// clock.timestamp()  // "2026-12-01T07:40:12.345Z"
/// ```
public protocol WallClock: Sendable {
    /// The current time as Unix seconds, with a fractional part.
    func now() -> Double

    /// The current time as ISO 8601 UTC text with milliseconds, as JavaScript's `new Date().toISOString()`.
    func timestamp() -> String
}

extension WallClock {
    /// The current time as ISO 8601 UTC text with milliseconds.
    public func timestamp() -> String {
        ISO8601Timestamp.format(now(), milliseconds: .always)
    }

    /// The time `duration` from now as ISO 8601 UTC text with milliseconds.
    public func timestamp(after duration: Duration) -> String {
        ISO8601Timestamp.format(now() + Double(duration.milliseconds) / 1000, milliseconds: .always)
    }
}

/// The system's real-time clock (`CLOCK_REALTIME`): the only place the framework reads it.
public struct SystemClock: WallClock {
    /// The system clock.
    public init() {}

    /// The current Unix time in seconds.
    @inlinable
    public func now() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1_000_000_000
    }

    /// The current time with milliseconds, from whole seconds and milliseconds as integers: through a `Double`,
    /// `.123` could print as `.122`.
    public func timestamp() -> String {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return ISO8601Timestamp.format(
            wholeSeconds: Int(spec.tv_sec), millis: Int(spec.tv_nsec / 1_000_000), milliseconds: .always)
    }
}
