import NIOConcurrencyHelpers

/// A wake-up for one waiting task: ``wait(upTo:)`` returns when ``signal()`` is called, when the time is up, or when
/// the waiting task is cancelled, whichever comes first. A signal sent while nobody waits is kept for the next wait.
/// For a worker that polls and can also be told that there is work:
///
/// ```swift
/// let wake = WakeSignal()
/// while !Task.isCancelled {
///     await drainQueue()
///     await wake.wait(upTo: .seconds(1))  // `wake.signal()` elsewhere cuts the wait short
/// }
/// ```
///
/// `AsyncStream` would end for good the first time a waiting `next()` is cancelled, and a worker cancels its wait
/// every time the poll interval is up; this does not.
public final class WakeSignal: Sendable {
    private struct State {
        var pending = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = NIOLockedValueBox(State())

    /// A signal nobody has sent yet.
    public init() {}

    /// Wakes the waiter, or the next one.
    public func signal() {
        let waiter: CheckedContinuation<Void, Never>? = state.withLockedValue { state in
            guard let waiter = state.waiter else {
                state.pending = true
                return nil
            }
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    /// Waits for a signal for at most `duration`.
    public func wait(upTo duration: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await Task.sleep(for: duration) }
            group.addTask { await self.waitForSignal() }
            await group.next()
            group.cancelAll()
        }
    }

    private func waitForSignal() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow: Bool = state.withLockedValue { state in
                    if state.pending {
                        state.pending = false
                        return true
                    }
                    if Task.isCancelled { return true }
                    state.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter: CheckedContinuation<Void, Never>? = state.withLockedValue { state in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume()
        }
    }
}
