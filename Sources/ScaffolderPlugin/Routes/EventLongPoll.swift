import BackendKit

/// `GET /v2/tasks/:id/events?after=<id>` as Backstage's long poll: the events after `after` at once when there are
/// some, else the first new ones as soon as they are stored (the database is polled every ``interval``, so events
/// written by any replica arrive), or `[]` once ``timeout`` has passed.
///
/// A wait costs one `COUNT` of the task's events per interval and nothing else; it ends early, with `[]`, when the
/// host begins to drain at shutdown (the request's task sees `Task.isShuttingDownGracefully` as soon as the server's
/// does, as the event stream does) or the request's task is cancelled.
struct EventLongPoll: Sendable {
    /// Where tasks live.
    let store: TaskStore
    /// The longest wait for a new event: 30 s, as Backstage's.
    var timeout: Duration = .seconds(30)
    /// How often the database is asked while waiting.
    var interval: Duration = .milliseconds(200)

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
            guard now < deadline, !Task.isShuttingDownGracefully, !Task.isCancelled else { return [] }
            do {
                try await Task.sleep(for: min(interval, deadline - now))
            } catch {
                return []
            }
        }
    }
}
