/// What `GET /collators` reports about the catalog collator.
struct CollatorStatus: Sendable, Codable, Equatable {
    /// `software-catalog`.
    let type: String
    /// Documents in the index now.
    var documents: Int
    /// Runs started since startup.
    var runs: Int
    /// When the last run started (ISO 8601).
    var lastRunAt: String?
    /// When a run last succeeded.
    var lastSuccessAt: String?
    /// Why the last run failed; nil after a success.
    var lastError: String?
}
