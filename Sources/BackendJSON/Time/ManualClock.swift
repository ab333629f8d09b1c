import NIOConcurrencyHelpers

/// A clock that stands still until it is set or advanced: a test's way to replay a timeline (a token that
/// expires, a lease that runs out) without waiting for it.
///
/// ```swift
/// let clock = ManualClock(1_796_112_000)
/// let manager = try ServerTokenManager.fromConfig(config, clock: clock)
/// clock.advance(by: .seconds(3600))   // the token just issued has expired
/// ```
public final class ManualClock: WallClock {
    private let current: NIOLockedValueBox<Double>

    /// A clock showing `now` (Unix seconds).
    public init(_ now: Double) {
        current = NIOLockedValueBox(now)
    }

    /// The time it shows.
    public func now() -> Double {
        current.withLockedValue { $0 }
    }

    /// Shows `now` (Unix seconds) from now on.
    public func set(_ now: Double) {
        current.withLockedValue { $0 = now }
    }

    /// Moves the time on by `duration` (back, when negative).
    public func advance(by duration: Duration) {
        current.withLockedValue { $0 += Double(duration.milliseconds) / 1000 }
    }
}
