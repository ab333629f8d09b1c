import BackendKit

/// `GET /v2/tasks/:id/events?after=<id>` as Backstage's long poll: the events after `after` at once when there are
/// some, else the first new ones as soon as they are stored (the database is polled every ``interval``, so events
/// written by any replica arrive), or `[]` once ``timeout`` has passed.
///
/// A wait costs one `COUNT` of the task's events per interval and nothing else; it ends early, with `[]`, when the
/// host begins to shut down (``ShutdownFlag``) or the request's task is cancelled.
struct EventLongPoll: Sendable {
    /// Where tasks live.
    let store: TaskStore
    /// The longest wait for a new event: 30 s, as Backstage's.
    var timeout: Duration = .seconds(30)
    /// How often the database is asked while waiting.
    var interval: Duration = .milliseconds(200)
    /// Set once the host begins to shut down.
    let shutdown: ShutdownFlag

    /// The events of task `id` after event `after` (all of them when nil), waiting as described; nil when the task
    /// does not exist.
    func events(of id: String, after: Int?) async throws -> [TaskEvent]? {
        let deadline = ContinuousClock.now + timeout
        while true {
            guard let count = try await store.eventCount(of: id) else { return nil }
            if count > (after ?? 0) {
                guard let task = try await store.task(id) else { return nil }
                return TaskEvent.events(of: task).filter { $0.id > (after ?? 0) }
            }
            let now = ContinuousClock.now
            guard now < deadline, !shutdown.isSet, !Task.isCancelled else { return [] }
            do {
                try await Task.sleep(for: min(interval, deadline - now))
            } catch {
                return []
            }
        }
    }
}

/// A flag the host's graceful shutdown sets (through ``ShutdownFlag/Watcher``, a background service), so that long
/// polls end instead of holding the drain.
final class ShutdownFlag: Sendable {
    private let value = NIOLockedValueBox(false)

    /// An unset flag.
    init() {}

    /// Whether shutdown has begun.
    var isSet: Bool { value.withLockedValue { $0 } }

    /// A background service that sets the flag when graceful shutdown begins.
    struct Watcher: Service {
        /// The flag to set.
        let flag: ShutdownFlag

        /// Waits for graceful shutdown (or cancellation), then sets the flag.
        func run() async {
            try? await gracefulShutdown()
            flag.value.withLockedValue { $0 = true }
        }
    }
}
