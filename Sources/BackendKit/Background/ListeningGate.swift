/// A one-shot signal: opened with the bound port once the server listens, or closed when the server
/// stopped (or failed) before that. Waiters resume with the port, or `nil`.
actor ListeningGate {
    private enum State {
        case waiting([Int: CheckedContinuation<Int?, Never>])
        case open(Int)
        case closed
    }

    private var state: State = .waiting([:])
    private var nextWaiterID = 0
    /// True once the server has listened (stays true after ``close()``).
    private(set) var didListen = false

    /// The bound port once the server listens; `nil` if it stopped first or the waiting task is cancelled.
    func waitUntilListening() async -> Int? {
        switch state {
        case .open(let port): return port
        case .closed: return nil
        case .waiting: break
        }
        let id = nextWaiterID
        nextWaiterID += 1
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Int?, Never>) in
                self.enqueue(id: id, continuation)
            }
        } onCancel: {
            Task { await self.cancelWaiter(id: id) }
        }
    }

    /// The port if the server is listening now.
    var port: Int? {
        if case .open(let port) = state { return port }
        return nil
    }

    /// Marks the server as listening on `port`.
    func open(port: Int) {
        guard case .waiting(let waiters) = state else { return }
        state = .open(port)
        didListen = true
        for continuation in waiters.values { continuation.resume(returning: port) }
    }

    /// Marks the server as stopped; waiters get `nil`.
    func close() {
        let waiters: [Int: CheckedContinuation<Int?, Never>]
        if case .waiting(let pending) = state { waiters = pending } else { waiters = [:] }
        state = .closed
        for continuation in waiters.values { continuation.resume(returning: nil) }
    }

    private func enqueue(id: Int, _ continuation: CheckedContinuation<Int?, Never>) {
        switch state {
        case .open(let port): continuation.resume(returning: port)
        case .closed: continuation.resume(returning: nil)
        case .waiting(var waiters):
            if Task.isCancelled {
                continuation.resume(returning: nil)
                return
            }
            waiters[id] = continuation
            state = .waiting(waiters)
        }
    }

    private func cancelWaiter(id: Int) {
        guard case .waiting(var waiters) = state, let continuation = waiters.removeValue(forKey: id) else { return }
        state = .waiting(waiters)
        continuation.resume(returning: nil)
    }
}
