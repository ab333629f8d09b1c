@testable import BackendAuth

/// A settable clock for replaying timelines.
final class TestClock: TokenClock {
    private let state: LockedState<Double>

    init(_ now: Double) {
        state = LockedState(now)
    }

    func now() -> Double {
        state.withLock { $0 }
    }

    func set(_ now: Double) {
        state.withLock { $0 = now }
    }

    func advance(by seconds: Double) {
        state.withLock { $0 += seconds }
    }
}
