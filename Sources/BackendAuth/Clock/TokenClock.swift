/// The wall clock a token manager issues and verifies against. Inject a fake one in tests to
/// replay a timeline.
public protocol TokenClock: Sendable {
    /// The current time as Unix seconds (fractional part allowed).
    func now() -> Double
}
