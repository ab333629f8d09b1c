/// Runs `operation`, throwing `TaskTimeoutError` if it takes longer than `timeout` (the operation
/// is cancelled then).
func withTimeout<T: Sendable>(
    _ timeout: Duration, _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: timeout)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next() else { throw CancellationError() }
        guard let value = first else { throw TaskTimeoutError(timeout: timeout) }
        return value
    }
}
