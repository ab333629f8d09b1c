/// Opens a database's engine once, shares it, and forgets a failed attempt so a later call tries again.
actor ConnectionState {
    private var backend: PluginDatabase.Backend?
    private var opening: Task<PluginDatabase.Backend, any Error>?
    private var closed = false

    /// The open engine, opened by `open` when it is not yet.
    ///
    /// - Throws: ``DatabaseClosedError`` after ``close()``, or `open`'s error.
    func get(
        _ open: @escaping @Sendable () async throws -> PluginDatabase.Backend
    ) async throws
        -> PluginDatabase.Backend
    {
        if closed { throw DatabaseClosedError() }
        if let backend { return backend }
        if let opening { return try await opening.value }
        let task = Task { try await open() }
        opening = task
        do {
            let opened = try await task.value
            opening = nil
            // Closed while opening: the closer awaited the same task and closes what it opened.
            if closed { throw DatabaseClosedError() }
            backend = opened
            return opened
        } catch {
            opening = nil
            throw error
        }
    }

    /// Refuses later calls; returns the engine to close, if it was open or being opened.
    ///
    /// An open still in flight is awaited: the engine it opens is the closer's to close, or nobody would (an SQLite
    /// connection that is never closed stops the process in its deinitializer).
    func close() async -> PluginDatabase.Backend? {
        closed = true
        if let backend {
            self.backend = nil
            return backend
        }
        guard let opening else { return nil }
        return try? await opening.value
    }
}

/// The database was used after ``PluginDatabase/shutdown()``.
struct DatabaseClosedError: Error, CustomStringConvertible {
    var description: String { "The database has been shut down" }
}
