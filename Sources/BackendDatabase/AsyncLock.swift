/// A mutual-exclusion lock for async code: one holder at a time, waiters resumed in arrival order.
///
/// An SQLite connection runs one statement at a time, but a transaction is several statements; the lock keeps
/// another task's statements out of it.
actor AsyncLock {
    private var locked = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    /// Runs `body` while holding the lock.
    func withLock<R: Sendable>(_ body: @Sendable () async throws -> R) async throws -> R {
        await acquire()
        defer { release() }
        return try await body()
    }

    /// Whether a holder runs now.
    var isHeld: Bool { locked }

    private func acquire() async {
        guard locked else {
            locked = true
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    private func release() {
        if waiters.isEmpty {
            locked = false
        } else {
            waiters.removeFirst().resume()
        }
    }
}
