import BackendKit
import Foundation

/// A one-shot startup milestone carrying a port: opened once the milestone is reached, or closed when the host
/// stopped (or failed) before that. Waiters resume with the port, or `nil`.
///
/// The host has three, each its own instance: ``HostState/listening`` (the server bound its port),
/// ``HostState/ready`` (every plugin registered; readiness answers 200) and ``HostState/metricsListening``.
final class StartupSignal: @unchecked Sendable {
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

    /// True once the signal was opened (stays true after ``close()``).
    var didOpen: Bool {
        lock.withLock { listened }
    }

    /// The port once the signal opens; `nil` if it was closed first or the waiting task is cancelled.
    func wait() async -> Int? {
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

    /// Opens the signal with `port`; waiters resume with it.
    func open(port: Int) {
        let waiters: [CheckedContinuation<Int?, Never>] = lock.withLock {
            guard case .waiting(let waiters) = state else { return [] }
            state = .open(port)
            listened = true
            return Array(waiters.values)
        }
        for continuation in waiters { continuation.resume(returning: port) }
    }

    /// Closes the signal (the milestone will not be reached); waiters resume with `nil`.
    func close() {
        let waiters: [CheckedContinuation<Int?, Never>] = lock.withLock {
            defer { state = .closed }
            guard case .waiting(let waiters) = state else { return [] }
            return Array(waiters.values)
        }
        for continuation in waiters { continuation.resume(returning: nil) }
    }
}
