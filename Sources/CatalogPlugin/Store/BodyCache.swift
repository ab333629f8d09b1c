import BackendKit

/// Recently read entity bodies by lower-cased ref, for `GET /entities/by-name` on SQLite.
///
/// Measured (BENCHMARKS.md, "Durable state"): an SQLite read costs several thread wake-ups (the query runs on
/// SQLiteNIO's thread pool and resumes the request on another thread), which doubled the server CPU per by-name
/// request. An SQLite database belongs to one process, and every write to it goes through this store, which forgets
/// the entries it changes after committing; so a cached body is never stale. PostgreSQL databases are shared by
/// replicas, whose writes this process cannot see, so they are not cached.
///
/// A lock, not an actor: the lookup is on every by-name request from every event loop, and an actor busy with
/// another request's lookup makes the caller suspend and resume on another thread.
final class BodyCache: Sendable {
    /// The most bodies kept; beyond it the cache starts over (a simple bound, not an LRU).
    static let capacity = 10_000

    private struct State {
        var bodies: [String: ByteBuffer] = [:]
        /// Counts writes; a body read from the database before a write must not be remembered after it.
        var generation = 0
    }

    private let state = NIOLockedValueBox(State())

    /// The cached body of `key`, if any, and the generation to pass to ``remember(_:for:readAt:)`` after reading
    /// it from the database instead: one call, since this is on every by-name request.
    func lookup(_ key: String) -> (body: ByteBuffer?, generation: Int) {
        state.withLockedValue { ($0.bodies[key], $0.generation) }
    }

    /// Keeps `body` for `key` if no write happened since `generation` was read (before the database read).
    func remember(_ body: ByteBuffer, for key: String, readAt generation: Int) {
        state.withLockedValue { state in
            guard generation == state.generation else { return }
            if state.bodies.count >= Self.capacity { state.bodies.removeAll(keepingCapacity: true) }
            state.bodies[key] = body
        }
    }

    /// Drops `key` (after a write to it).
    func forget(_ key: String) {
        state.withLockedValue { state in
            state.generation += 1
            state.bodies[key] = nil
        }
    }

    /// Drops everything (after a bulk write).
    func clear() {
        state.withLockedValue { state in
            state.generation += 1
            state.bodies.removeAll()
        }
    }
}
