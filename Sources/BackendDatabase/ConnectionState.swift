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
            backend = opened
            opening = nil
            return opened
        } catch {
            opening = nil
            throw error
        }
    }

    /// Refuses later calls; returns the engine to close, if it was open.
    func close() -> PluginDatabase.Backend? {
        closed = true
        defer { backend = nil }
        return backend
    }
}

/// The database was used after ``PluginDatabase/shutdown()``.
struct DatabaseClosedError: Error, CustomStringConvertible {
    var description: String { "The database has been shut down" }
}
