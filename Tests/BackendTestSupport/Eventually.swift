/// Polls `condition` every 50 ms until it holds or `timeout` passes; returns whether it held.
///
/// For work that finishes on its own schedule (background tasks, log lines). The timeout is a hang guard, not an
/// assertion about speed: keep it generous.
///
/// ```swift
/// #expect(try await eventually { try await status() == "completed" })
/// ```
public func eventually(
    timeout: Duration = .seconds(30), _ condition: () async throws -> Bool
) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(50))
    }
    return try await condition()
}
