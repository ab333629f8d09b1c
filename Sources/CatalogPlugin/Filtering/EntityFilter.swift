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
    /// statement without a key.
    static func parse(_ filterValues: [String]) throws(InputError) -> EntityFilter {
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
        return EntityFilter(clauses: clauses)
    }

    /// Whether `entity` matches any clause (or the filter is empty).
    func matches(_ fields: EntitySearchFields) -> Bool {
        if clauses.isEmpty { return true }
        return clauses.contains { clause in
            clause.conditions.allSatisfy { condition in
                guard let values = fields.values[condition.key] else { return false }
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
