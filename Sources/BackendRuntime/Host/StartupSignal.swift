import Foundation

/// A one-shot signal: opened with the bound port once the server listens, or closed when the server
/// stopped (or failed) before that. Waiters resume with the port, or `nil`.
final class ListeningGate: @unchecked Sendable {
    private enum State {
        case waiting([Int: CheckedContinuation<Int?, Never>])
        case open(Int)
        case closed
    }

    /// Guards every stored property.
    private let lock = NSLock()
    private var state: State = .waiting([:])
    private var nextWaiterID = 0
    private var listened = false

    /// True once the server has listened (stays true after ``close()``).
    var didListen: Bool {
        lock.withLock { listened }
    }

    /// The bound port once the server listens; `nil` if it stopped first or the waiting task is cancelled.
    func waitUntilListening() async -> Int? {
        let id: Int = lock.withLock {
            nextWaiterID += 1
            return nextWaiterID
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Int?, Never>) in
                let immediate: Int?? = lock.withLock {
                    switch state {
                    case .open(let port):
                        return .some(port)
                    case .closed:
                        return .some(nil)
                    case .waiting(var waiters):
                        if Task.isCancelled { return .some(nil) }
                        waiters[id] = continuation
                        state = .waiting(waiters)
                        return .none
                    }
                }
                if let immediate {
                    continuation.resume(returning: immediate)
                }
            }
        } onCancel: {
            let continuation: CheckedContinuation<Int?, Never>? = lock.withLock {
                guard case .waiting(var waiters) = state, let continuation = waiters.removeValue(forKey: id) else {
                    return nil
                }
                state = .waiting(waiters)
                return continuation
            }
            continuation?.resume(returning: nil)
        }
    }

    /// Marks the server as listening on `port`; waiters resume with it.
    func open(port: Int) {
        let waiters: [CheckedContinuation<Int?, Never>] = lock.withLock {
            guard case .waiting(let waiters) = state else { return [] }
            state = .open(port)
            listened = true
            return Array(waiters.values)
        }
        for continuation in waiters { continuation.resume(returning: port) }
    }

    /// Marks the server as stopped; waiters resume with `nil`.
    func close() {
        let waiters: [CheckedContinuation<Int?, Never>] = lock.withLock {
            defer { state = .closed }
            guard case .waiting(let waiters) = state else { return [] }
            return Array(waiters.values)
        }
        for continuation in waiters { continuation.resume(returning: nil) }
    }
}
