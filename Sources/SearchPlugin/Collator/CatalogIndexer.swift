import BackendKit

/// Runs the catalog collator and installs its documents in the index, on a schedule and on
/// demand. A failed run is logged with its reason and leaves the last index in place.
struct CatalogIndexer: Sendable {
    /// Where the index lives.
    let store: IndexStore
    /// Reads the catalog.
    let collator: CatalogCollator
    /// Builds the page source for one run.
    let makeSource: @Sendable () async throws -> any EntityPageSource
    /// Where successful runs' documents are kept, or `nil` to keep them in memory only.
    let documents: DocumentStore?
    /// The plugin's logger.
    let logger: Logger

    /// Runs once; returns the number of documents indexed, or throws a ``ServiceUnavailableError`` (503 when a route triggered the run).
    @discardableResult
    func run(trigger: String) async throws -> Int {
        let run = await store.beginRun()
        let started = ContinuousClock.now
        do {
            let source = try await makeSource()
            let documents = try await collator.collect(from: source)
            // Stored before it is served, so a restart never serves less than this process did.
            let generation = try await self.documents?.replace(with: documents)
            await store.complete(run: run, documents: documents, generation: generation)
            logger.info(
                "Indexed \(documents.count) catalog entities",
                metadata: ["trigger": "\(trigger)", "duration": "\(ContinuousClock.now - started)"])
            return documents.count
        } catch {
            // Callers of `/collators` and of the refresh route see what the caller of a route may see (the catalog's
            // status, never its reason for refusing this backend's token); the log gets every detail.
            let reason = Self.callerReason(error)
            await store.fail(run: run, reason: reason)
            let kept = await store.status.documents
            let message = "Catalog collation failed, keeping the last index of \(kept) documents: \(reason)"
            logger.error(
                "Catalog collation failed, keeping the last index of \(kept) documents: \(error)",
                metadata: ["trigger": "\(trigger)"])
            throw ServiceUnavailableError(message)
        }
    }

    /// Loads the stored document set if another replica's run replaced it since this index was built.
    func syncFromDatabase() async throws {
        guard let documents else { return }
        guard try await documents.generation() > store.generation else { return }
        let stored = try await documents.load()
        await store.sync(documents: stored.documents, generation: stored.generation)
        logger.debug("Loaded \(stored.documents.count) search documents collated by another replica")
    }

    /// The reason of a failed run as a caller may read it: for a failed catalog call the message of its
    /// ``ServiceCallError/callerError``, else the error's description.
    static func callerReason(_ error: any Error) -> String {
        guard let error = error as? ServiceCallError else { return "\(error)" }
        return error.callerError.message
    }
}
