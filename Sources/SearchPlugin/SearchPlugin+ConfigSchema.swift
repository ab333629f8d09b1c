import BackendKit

extension SearchPlugin {
    /// The keys of the `search` section: the catalog collator's schedule, page size and filter, and the bounds of a
    /// query's term.
    public var configSchema: ConfigSchema {
        let collator = "search.collators.catalog"
        return ConfigSchema([
            .init("search", type: .object, description: "The sample search plugin."),
            .init("search.collators", type: .object, description: "The collators."),
            .init(collator, type: .object, description: "The catalog collator."),
            .init(
                "\(collator).schedule", type: .object,
                description:
                    "When the collator runs (a global scheduled task): {frequency, timeout, initialDelay, scope}."),
            .init(
                "\(collator).schedule.frequency", type: .duration,
                description: "Time between runs; default search.collators.catalog.frequency."),
            .init("\(collator).schedule.timeout", type: .duration, default: "15m", description: "Limit of one run."),
            .init(
                "\(collator).schedule.initialDelay", type: .duration,
                description: "Wait after startup; default search.collators.catalog.initialDelay."),
            .init(
                "\(collator).schedule.scope", type: .string, default: "global",
                description: "`global` (one replica per period) or `local` (every process)."),
            .init(
                "\(collator).frequency", type: .duration, default: "10m",
                description: "The schedule's frequency when `schedule` gives none."),
            .init(
                "\(collator).initialDelay", type: .duration, default: "3s",
                description: "The schedule's initial delay when `schedule` gives none."),
            .init(
                "\(collator).pageSize", type: .integer, default: 500,
                description: "Entities per GET /entities/by-query call."),
            .init(
                "\(collator).filter", type: [.string, .array],
                description: "A catalog filter (a string, or a list OR-ed) limiting what is indexed."),
            .init(
                SearchTermLimits.lengthKey, type: .integer, default: .int(SearchTermLimits.defaultMaxLength),
                description: "The longest `term` of GET /query, in UTF-16 code units."),
            .init(
                SearchTermLimits.tokensKey, type: .integer, default: .int(SearchTermLimits.defaultMaxTokens),
                description: "The most distinct words and word parts of a `term`."),
        ])
    }
}
