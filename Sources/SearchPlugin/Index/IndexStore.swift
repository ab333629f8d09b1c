import BackendKit

/// Holds the current search index and the collator's status. A run's result replaces the index
/// only if no later run has already been applied, so overlapping runs never go back in time; a
/// failed run leaves the index as it was.
actor IndexStore {
    private(set) var index = SearchIndex()
    private(set) var status = CollatorStatus(type: SearchPlugin.catalogType, documents: 0, runs: 0)
    private var lastStarted = 0
    private var lastApplied = 0
    /// The generation of the stored document set the index holds.
    private(set) var generation = 0
    /// The clock of the status times (this process's own, like the status).
    private let clock: any WallClock

    /// An empty index.
    init(clock: any WallClock = SystemClock()) {
        self.clock = clock
    }

    /// An index of documents kept in the database, of `generation` (no run counted).
    init(restored documents: [CatalogEntityDocument], generation: Int = 0, clock: any WallClock = SystemClock()) {
        self.clock = clock
        index = SearchIndex(documents: documents)
        status.documents = documents.count
        self.generation = generation
    }

    /// Installs a newer stored set written by another replica's run (no run counted here); ignored unless
    /// `generation` is newer than what the index holds.
    func sync(documents: [CatalogEntityDocument], generation: Int) {
        guard generation > self.generation else { return }
        self.generation = generation
        index = SearchIndex(documents: documents)
        status.documents = documents.count
    }

    /// Records the start of a run and returns its number.
    func beginRun() -> Int {
        lastStarted += 1
        status.runs = lastStarted
        status.lastRunAt = clock.timestamp()
        return lastStarted
    }

    /// Installs a successful run's documents, stored as `generation` (unless a later run already did).
    func complete(run: Int, documents: [CatalogEntityDocument], generation: Int? = nil) {
        guard run > lastApplied else { return }
        lastApplied = run
        if let generation { self.generation = max(self.generation, generation) }
        index = SearchIndex(documents: documents)
        status.documents = documents.count
        status.lastSuccessAt = clock.timestamp()
        status.lastError = nil
    }

    /// Records a failed run; the index stays.
    func fail(run: Int, reason: String) {
        guard run > lastApplied else { return }
        status.lastError = reason
    }
}
