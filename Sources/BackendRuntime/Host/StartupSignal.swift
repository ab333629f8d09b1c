import BackendKit
import NIOConcurrencyHelpers

/// A one-shot startup milestone carrying a port: opened once the milestone is reached, or closed when the host
/// stopped (or failed) before that. Waiters resume with the port, or `nil`.
///
/// The host has three, each its own instance: ``HostState/listening`` (the server bound its port),
/// ``HostState/ready`` (every plugin registered; readiness answers 200) and ``HostState/metricsListening``.
final class StartupSignal: Sendable {
    private enum Phase {
        case waiting([Int: CheckedContinuation<Int?, Never>])
        case open(Int)
        case closed
    }

    private struct State {
        var phase: Phase = .waiting([:])
        var nextWaiterID = 0
        var listened = false
    }

    private let locked = NIOLockedValueBox(State())

    /// True once the signal was opened (stays true after ``close()``).
    var didOpen: Bool {
        locked.withLockedValue { $0.listened }
    }

    /// The port once the signal opens; `nil` if it was closed first or the waiting task is cancelled.
    func wait() async -> Int? {
        let id: Int = locked.withLockedValue {
            $0.nextWaiterID += 1
            return $0.nextWaiterID
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Int?, Never>) in
                let immediate: Int?? = locked.withLockedValue { state in
                    switch state.phase {
                    case .open(let port):
                        return .some(port)
                    case .closed:
                        return .some(nil)
                    case .waiting(var waiters):
                        if Task.isCancelled { return .some(nil) }
                        waiters[id] = continuation
                        state.phase = .waiting(waiters)
                        return .none
                    }
                }
                if let immediate {
                    continuation.resume(returning: immediate)
                }
            }
        } onCancel: {
            let continuation: CheckedContinuation<Int?, Never>? = locked.withLockedValue { state in
                guard case .waiting(var waiters) = state.phase, let continuation = waiters.removeValue(forKey: id)
                else { return nil }
                state.phase = .waiting(waiters)
                return continuation
            }
            continuation?.resume(returning: nil)
        }
    }

    /// Opens the signal with `port`; waiters resume with it.
    func open(port: Int) {
        let waiters: [CheckedContinuation<Int?, Never>] = locked.withLockedValue { state in
            guard case .waiting(let waiters) = state.phase else { return [] }
            state.phase = .open(port)
            state.listened = true
            return Array(waiters.values)
        }
        for continuation in waiters { continuation.resume(returning: port) }
    }

    /// Closes the signal (the milestone will not be reached); waiters resume with `nil`.
    func close() {
        let waiters: [CheckedContinuation<Int?, Never>] = locked.withLockedValue { state in
            defer { state.phase = .closed }
            guard case .waiting(let waiters) = state.phase else { return [] }
            return Array(waiters.values)
        }
        for continuation in waiters { continuation.resume(returning: nil) }
    }
}
