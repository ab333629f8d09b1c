import BackendKit

/// Tells this process's open event streams when their task may have new events, whichever replica wrote them.
///
/// One loop (a background service) asks the database every ``interval`` for the last event row of every task that
/// has a stream open here, in one query, and wakes the streams of each task whose last row changed; with no stream
/// open it asks nothing. A stream costs the watcher an entry while it is subscribed and nothing once it has
/// unsubscribed (it does so when it ends: completion, client gone, shutdown); `scaffolder_event_streams` (a gauge)
/// counts the subscribed streams.
///
/// Polling keeps every engine alike (SQLite has no notifications) and bounds the delay of an event written on
/// another replica by the interval plus one read.
final class TaskEventWatcher: Service, Sendable {
    /// The gauge of open event streams.
    static let openStreamsGauge = "scaffolder_event_streams"

    /// One open stream.
    private struct Subscriber {
        /// Wakes the stream.
        let wake: WakeSignal
        /// The last event row it was woken for; nil until the watcher has polled its task once.
        var seen: Int??
    }

    private struct State {
        /// Subscribers by task, then by subscription number.
        var tasks: [String: [Int: Subscriber]] = [:]
        /// The next subscription number.
        var next = 0
        /// How many streams are subscribed.
        var count = 0
    }

    /// Where tasks live.
    let store: TaskStore
    /// How often the database is asked while streams are open.
    let interval: Duration
    private let state = NIOLockedValueBox(State())
    /// Wakes the loop when the first stream subscribes.
    private let started = WakeSignal()
    private let gauge: Gauge

    /// A watcher of `store`'s events, recording the open streams into `metrics`.
    init(store: TaskStore, interval: Duration = .milliseconds(200), metrics: any MetricsFactory) {
        self.store = store
        self.interval = interval
        self.gauge = Gauge(label: Self.openStreamsGauge, factory: metrics)
        gauge.record(0)
    }

    /// A stream's registration: ``wake`` is signalled when the task's events may have changed. End it with
    /// ``TaskEventWatcher/unsubscribe(_:)``.
    struct Subscription: Sendable {
        /// The task watched.
        let taskId: String
        /// The subscription number.
        let number: Int
        /// Signalled when the task's events may have changed.
        let wake: WakeSignal
    }

    /// Starts watching task `taskId` for a stream; it is woken after the next poll at the latest.
    func subscribe(_ taskId: String) -> Subscription {
        let wake = WakeSignal()
        let (number, count) = state.withLockedValue { state in
            let number = state.next
            state.next += 1
            state.count += 1
            state.tasks[taskId, default: [:]][number] = Subscriber(wake: wake, seen: nil)
            return (number, state.count)
        }
        gauge.record(count)
        started.signal()
        return Subscription(taskId: taskId, number: number, wake: wake)
    }

    /// Stops watching for `subscription`'s stream.
    func unsubscribe(_ subscription: Subscription) {
        let count = state.withLockedValue { state in
            guard state.tasks[subscription.taskId]?.removeValue(forKey: subscription.number) != nil else {
                return state.count
            }
            if state.tasks[subscription.taskId]?.isEmpty == true { state.tasks[subscription.taskId] = nil }
            state.count -= 1
            return state.count
        }
        gauge.record(count)
    }

    /// How many streams are subscribed.
    var openStreams: Int { state.withLockedValue { $0.count } }

    /// Polls while streams are open, until graceful shutdown (by then the server has drained and every stream has
    /// ended).
    func run() async {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            let watched = state.withLockedValue { Array($0.tasks.keys) }
            guard !watched.isEmpty else {
                await cancelWhenGracefulShutdown { await self.started.wait(upTo: .seconds(60)) }
                continue
            }
            // A failed poll (the database is briefly unavailable) is tried again at the next interval; the streams
            // keep waiting meanwhile.
            if let last = try? await store.lastEventRows(of: watched) {
                notify(last, watched: watched)
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
        }
    }

    /// Wakes the subscribers of `watched` whose task's last event row is not the one they were last woken for.
    private func notify(_ last: [String: Int], watched: [String]) {
        let woken: [WakeSignal] = state.withLockedValue { state in
            var woken: [WakeSignal] = []
            for taskId in watched {
                guard var subscribers = state.tasks[taskId] else { continue }
                let row = last[taskId]
                for (number, subscriber) in subscribers where subscriber.seen != .some(row) {
                    subscribers[number]?.seen = .some(row)
                    woken.append(subscriber.wake)
                }
                state.tasks[taskId] = subscribers
            }
            return woken
        }
        for wake in woken { wake.signal() }
    }
}
