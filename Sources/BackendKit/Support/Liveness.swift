/// Runs `operation` until it returns, or until `timeout` passes or `liveness` finds the work is no longer wanted,
/// whichever comes first; the operation is cancelled in the other two cases.
///
/// Long-running work (a scheduled task's run, a scaffolder task) must end when it overruns its timeout and also
/// when another replica has taken it over (a lost lease, a task cancelled or failed elsewhere). This is the one
/// place that races the three.
///
/// ```swift
/// try await withTimeout(.minutes(5), orThrow: { RunTimedOut() },
///     liveness: Liveness(every: .seconds(1), orThrow: { LeaseLost() }) { await lease.isHeld() }
/// ) {
///     try await refresh()
/// }
/// ```
///
/// - Parameters:
///   - timeout: How long the operation may run; `nil` for no limit.
///   - timeoutError: What is thrown when `timeout` passes first.
///   - liveness: A check run every interval while the operation runs; `nil` for none.
///   - operation: The work.
/// - Returns: What `operation` returns.
/// - Throws: What `operation` throws, `timeoutError()`, the liveness check's error, or `CancellationError` when the
///   calling task is cancelled first.
public func withTimeout<T: Sendable>(
    _ timeout: Duration?, orThrow timeoutError: @escaping @Sendable () -> any Error,
    liveness: Liveness? = nil, _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await operation() }
        if let timeout {
            group.addTask {
                try await Task.sleep(for: timeout)
                throw timeoutError()
            }
        }
        if let liveness {
            group.addTask {
                while true {
                    try await Task.sleep(for: liveness.interval)
                    if await !liveness.isAlive() { throw liveness.lostError() }
                }
            }
        }
        defer { group.cancelAll() }
        guard let value = try await group.next() else { throw CancellationError() }
        return value
    }
}

/// A check that work is still wanted, for ``withTimeout(_:orThrow:liveness:_:)``: a held lease, a task still
/// `processing`, a heartbeat written.
public struct Liveness: Sendable {
    /// How long to wait between checks (the first check comes one interval after the start).
    public let interval: Duration
    /// What is thrown when a check says the work is no longer wanted.
    public let lostError: @Sendable () -> any Error
    /// Whether the work is still wanted. A check that cannot tell (its database is briefly unreachable) answers
    /// `true`: a later check or a janitor decides.
    public let isAlive: @Sendable () async -> Bool

    /// A check of `isAlive` every `interval`, throwing `lostError()` when it answers `false`.
    public init(
        every interval: Duration, orThrow lostError: @escaping @Sendable () -> any Error,
        isAlive: @escaping @Sendable () async -> Bool
    ) {
        self.interval = interval
        self.lostError = lostError
        self.isAlive = isAlive
    }
}
