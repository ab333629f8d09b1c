#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The real wall clock (`CLOCK_REALTIME`).
public struct SystemTokenClock: TokenClock {
    /// The system clock.
    public init() {}

    /// The current Unix time in seconds.
    @inlinable
    public func now() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1_000_000_000
    }
}

/// The wall clock a token manager issues and verifies against. Inject a fake one in tests to
/// replay a timeline.
public protocol TokenClock: Sendable {
    /// The current time as Unix seconds (fractional part allowed).
    func now() -> Double
}
