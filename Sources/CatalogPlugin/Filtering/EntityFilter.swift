import BackendKit

/// Backstage's `filter` query parameter for `GET /entities`.
///
/// Each `filter` value is a list of `key=value` statements separated by commas, all of which must
/// match (AND); statements with the same key match if any of their values does; a bare `key`
/// matches entities that have the field. Repeating the `filter` parameter gives alternatives
/// (OR). Keys are dotted paths into the entity (`kind`, `metadata.name`, `spec.type`,
/// `metadata.annotations.backstage.io/owner`), and keys and values compare case-insensitively, as
/// Backstage's catalog does. An array field matches when any element does.
struct EntityFilter: Sendable, Equatable {
    /// One `filter` value: every key must match (AND).
    struct Clause: Sendable, Equatable {
        /// Lower-cased key → accepted lower-cased values (empty: the key only has to exist).
        var conditions: [(key: String, values: [String])]

        /// Compares clauses by their conditions.
        static func == (lhs: Clause, rhs: Clause) -> Bool {
            lhs.conditions.map(\.key) == rhs.conditions.map(\.key)
                && lhs.conditions.map(\.values) == rhs.conditions.map(\.values)
        }
    }

    /// The alternatives (OR); empty means "everything".
    let clauses: [Clause]

    /// A filter that matches every entity.
    static let all = EntityFilter(clauses: [])

    /// Parses the values of every `filter` query parameter, with Backstage's error message for a
    /// statement without a key, and checks the result against `limits`.
    static func parse(
        _ filterValues: [String], limits: CatalogLimits = CatalogLimits()
    ) throws(InputError) -> EntityFilter {
        // The count is checked before any parsing; the rest once the statements are known.
        if filterValues.count > limits.filterClauses {
            throw CatalogLimits.exceeded(
                "filter parameters", count: filterValues.count, limit: limits.filterClauses, key: "filterClauses")
        }
        var clauses: [Clause] = []
        for filterValue in filterValues {
            var conditions: [(key: String, values: [String])] = []
            let statements = filterValue.split(separator: ",", omittingEmptySubsequences: false)
                .map { $0.trimmingWhitespace() }
                .filter { !$0.isEmpty }
            for statement in statements {
                let key: String
                let value: String?
                if let equals = statement.firstIndex(of: "=") {
                    key = String(statement[..<equals]).trimmingWhitespace()
                    value = String(statement[statement.index(after: equals)...]).trimmingWhitespace()
                } else {
                    key = statement
                    value = nil
                }
                guard !key.isEmpty else {
                    throw InputError(
                        "Invalid filter, '\(statement)' is not a valid statement "
                            + "(expected a string on the form a=b or a= or a)")
                }
                let lowerKey = key.lowercased()
                let index: Int
                if let existing = conditions.firstIndex(where: { $0.key == lowerKey }) {
                    index = existing
                } else {
                    conditions.append((lowerKey, []))
                    index = conditions.count - 1
                }
                if let value {
                    conditions[index].values.append(value.lowercased())
                }
            }
            if !conditions.isEmpty {
                clauses.append(Clause(conditions: conditions))
            }
        }
        let filter = EntityFilter(clauses: clauses)
        try filter.check(limits)
        return filter
    }

    /// Refuses a filter over `limits` (clauses, distinct keys per clause, statements, term length, NUL characters)
    /// with a 400 naming the limit: parsed filters and the ones cursors carry alike.
    func check(_ limits: CatalogLimits) throws(InputError) {
        if clauses.count > limits.filterClauses {
            throw CatalogLimits.exceeded(
                "filter parameters", count: clauses.count, limit: limits.filterClauses, key: "filterClauses")
        }
        var statements = 0
        for clause in clauses {
            if clause.conditions.count > limits.filterConditions {
                throw CatalogLimits.exceeded(
                    "distinct keys in one filter", count: clause.conditions.count, limit: limits.filterConditions,
                    key: "filterConditions")
            }
            for condition in clause.conditions {
                try limits.check(term: condition.key, in: "filter")
                for value in condition.values { try limits.check(term: value, in: "filter") }
                statements += max(1, condition.values.count)
            }
        }
        if statements > limits.filterValues {
            throw CatalogLimits.exceeded(
                "filter statements", count: statements, limit: limits.filterValues, key: "filterValues")
        }
    }

    /// Whether `entity` matches any clause (or the filter is empty).
    func matches(_ fields: EntitySearchFields) -> Bool {
        if clauses.isEmpty { return true }
        // Derived from the rows at each access: once per call, not per condition.
        let fieldValues = fields.values
        return clauses.contains { clause in
            clause.conditions.allSatisfy { condition in
                guard let values = fieldValues[condition.key] else { return false }
                if condition.values.isEmpty { return true }
                return condition.values.contains { values.contains($0) }
            }
        }
    }
}

extension StringProtocol {
    /// The text without leading and trailing whitespace.
    func trimmingWhitespace() -> String {
        guard let start = firstIndex(where: { !$0.isWhitespace }),
            let end = lastIndex(where: { !$0.isWhitespace })
        else { return "" }
        return String(self[start...end])
    }
}
