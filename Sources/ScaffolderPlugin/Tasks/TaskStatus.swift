/// The life cycle of a scaffolder task: `open` → `processing` → `completed` or `failed`.
enum TaskStatus: String, Sendable, Codable, CaseIterable {
    /// Accepted and queued.
    case open
    /// A worker is running its steps.
    case processing
    /// Every step succeeded.
    case completed
    /// A step failed, the task timed out, or the scaffolder shut down first.
    case failed

    /// Whether the task has finished.
    var isFinal: Bool {
        self == .completed || self == .failed
    }
}
