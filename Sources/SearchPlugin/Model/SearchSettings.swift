import BackendKit

/// The plugin's reading of the `search:` config section.
///
/// | key | default | meaning |
/// |---|---|---|
/// | `search.collators.catalog.schedule` | see below | the collator's schedule: `frequency`, `timeout`, `initialDelay`, `scope` |
/// | `search.collators.catalog.initialDelay` | `{seconds: 3}` | the schedule's `initialDelay` when `schedule` does not give one |
/// | `search.collators.catalog.frequency` | `{minutes: 10}` | the schedule's `frequency` when `schedule` does not give one |
/// | `search.collators.catalog.pageSize` | `500` | entities per `GET /entities/by-query` call |
/// | `search.collators.catalog.filter` | none | a catalog `filter` (string or list, OR-ed) limiting what is indexed |
/// | `search.maxTermLength` | `100` | the longest `term` of `GET /query`, in UTF-16 code units as Backstage counts (its key and default) |
/// | `search.maxTermTokens` | `32` | the most distinct tokens (words and their parts) a `term` may have |
///
/// The schedule's `timeout` defaults to 15 minutes and its `scope` to `global`: across replicas sharing the
/// database one of them collates per period, and every replica serves the stored result.
///
/// Durations: milliseconds (`30000`), `"30s"`/`"5m"`/`"1h 30m"`, ISO 8601 (`"PT30S"`) or an
/// object (`{seconds: 30}`, also `minutes`, `hours`, `days`, `weeks`, `milliseconds`).
struct SearchSettings: Sendable, Equatable {
    /// When the collator runs.
    let schedule: TaskSchedule
    /// Entities per page.
    let pageSize: Int
    /// `filter` values passed to the catalog.
    let filters: [String]
    /// The bounds of a query's `term`.
    let termLimits: SearchTermLimits

    /// Reads the section from the root config.
    init(config: Config) throws {
        let prefix = "search.collators.catalog"
        let legacy = TaskSchedule(
            frequency: try config.getOptionalDuration("\(prefix).frequency") ?? .seconds(600),
            timeout: .seconds(900),
            initialDelay: try config.getOptionalDuration("\(prefix).initialDelay") ?? .seconds(3))
        schedule =
            config.has("\(prefix).schedule")
            ? try TaskSchedule(config: config, key: "\(prefix).schedule", defaults: legacy) : legacy
        pageSize = try config.getOptionalInt("\(prefix).pageSize", minimum: 1) ?? 500
        if case .array = config.getOptional("\(prefix).filter") {
            filters = try config.getStringArray("\(prefix).filter")
        } else {
            filters = try config.getOptionalString("\(prefix).filter").map { [$0] } ?? []
        }
        termLimits = SearchTermLimits(
            maxLength: try config.getOptionalInt(SearchTermLimits.lengthKey, minimum: 1)
                ?? SearchTermLimits.defaultMaxLength,
            maxTokens: try config.getOptionalInt(SearchTermLimits.tokensKey, minimum: 1)
                ?? SearchTermLimits.defaultMaxTokens)
    }
}

/// How long a search `term` may be, and how many distinct tokens it may have: each query token is compared with
/// the whole index, so these bound the work of one query. A term over either limit is a 400 naming the limit.
struct SearchTermLimits: Sendable, Equatable {
    /// The config key of ``maxLength``.
    static let lengthKey = "search.maxTermLength"
    /// The config key of ``maxTokens``.
    static let tokensKey = "search.maxTermTokens"
    /// Backstage's default for `search.maxTermLength`.
    static let defaultMaxLength = 100
    /// The default of `search.maxTermTokens`.
    static let defaultMaxTokens = 32
    /// The defaults.
    static let defaults = SearchTermLimits(maxLength: defaultMaxLength, maxTokens: defaultMaxTokens)

    /// The longest term, in UTF-16 code units (JavaScript's `length`, as Backstage counts).
    let maxLength: Int
    /// The most distinct tokens (``Tokenizer/tokens(_:)``) of a term.
    let maxTokens: Int

    /// Throws the 400 for a term over a limit.
    ///
    /// - Throws: `InputError` `The search term is 2200 characters long, more than search.maxTermLength (100)` or
    ///   `The search term has 40 distinct words and word parts, more than search.maxTermTokens (32)`.
    func check(_ term: String) throws(InputError) {
        let length = term.utf16.count
        guard length <= maxLength else {
            throw InputError(
                "The search term is \(length) characters long, more than \(Self.lengthKey) (\(maxLength))")
        }
        let tokens = Tokenizer.tokens(term).count
        guard tokens <= maxTokens else {
            throw InputError(
                "The search term has \(tokens) distinct words and word parts, more than \(Self.tokensKey) (\(maxTokens))"
            )
        }
    }
}
