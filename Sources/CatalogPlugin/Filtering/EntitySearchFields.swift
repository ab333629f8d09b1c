import BackendKit

/// An entity flattened into lower-cased `dotted.key → values` pairs, like the rows of Backstage's
/// `search` table, so filters can match nested and array fields.
///
/// As in Backstage, the `relations` array is not flattened as it is written: each relation gives a
/// `relations.<type>` key (lower-cased) whose value is the target's ref, so `filter=relations.ownedby=group:default/x`
/// works.
struct EntitySearchFields: Sendable, Equatable {
    /// One row of the `search` table.
    struct Row: Sendable, Equatable {
        /// The lower-cased dotted key.
        let key: String
        /// The lower-cased scalar value; `nil` for a key without scalar values.
        let value: String?
        /// The value as first written (for facets); `nil` with `value`.
        let original: String?
    }

    /// The rows of the `search` table: one per key and distinct value, sorted by key then value, with the value as
    /// written; a key without values gives one row with `nil` values.
    let rows: [Row]

    /// Lower-cased dotted key → lower-cased scalar values (one per array element).
    var values: [String: Set<String>] {
        var values: [String: Set<String>] = [:]
        for row in rows {
            values[row.key, default: []].formUnion(row.value.map { [$0] } ?? [])
        }
        return values
    }

    /// Flattens `entity`; nested objects give dotted keys, arrays give one value per element,
    /// and an empty array or null still records the key (so `filter=key` finds it).
    init(_ entity: Entity) {
        // Every key and value as met, then one sort: on a bulk load this is 1.5 million rows, and a dictionary of
        // sets per entity spent more time hashing than everything else about the rows (BENCHMARKS.md, "Bulk loads").
        var found = Found()
        found.flatten(entity.document, prefix: "")
        for relation in entity.document["relations"]?.arrayValue ?? [] {
            guard let type = relation["type"]?.stringValue, let target = relation["targetRef"]?.stringValue else {
                continue
            }
            found.addRelation(type: type, target: target)
        }
        self.rows = found.rows()
    }

    /// Compares the flattened values.
    static func == (lhs: EntitySearchFields, rhs: EntitySearchFields) -> Bool {
        lhs.values == rhs.values
    }
}

/// The keys and values of one entity in the order they were met, before sorting and merging.
private struct Found {
    private struct Entry {
        let key: String
        /// The lower-cased value; nil marks a key met without a value (an empty array, a null).
        let value: String?
        let original: String?
        /// A relation's target: the latest one of a value replaces the original recorded before it, where a
        /// field's value keeps the first.
        let latestOriginalWins: Bool
        /// The position among the entries: of equal keys or values, the first one met is kept.
        let position: Int
    }

    private var entries: [Entry] = []
    /// Whether every key and value met is ASCII, whose `String` order is byte order.
    private var allASCII = true

    mutating func flatten(_ value: JSONValue, prefix: String) {
        switch value {
        case .object(let members):
            for (key, member) in members {
                let path = prefix.isEmpty ? key.lowercased() : "\(prefix).\(key.lowercased())"
                if path == "relations" { continue }
                if allASCII { allASCII = Self.isASCII(key) }
                flatten(member, prefix: path)
            }
        case .array(let elements):
            addKey(prefix)
            for element in elements {
                if let text = element.scalarText {
                    add(prefix, text, latestOriginalWins: false)
                } else if case .object = element {
                    flatten(element, prefix: prefix)
                }
            }
        case .null:
            addKey(prefix)
        default:
            if let text = value.scalarText { add(prefix, text, latestOriginalWins: false) }
        }
    }

    private mutating func add(_ key: String, _ text: String, latestOriginalWins: Bool) {
        if allASCII { allASCII = Self.isASCII(text) }
        entries.append(
            Entry(
                key: key, value: text.lowercased(), original: text, latestOriginalWins: latestOriginalWins,
                position: entries.count))
    }

    /// A relation's `relations.<type>` key and target.
    mutating func addRelation(type: String, target: String) {
        if allASCII { allASCII = Self.isASCII(type) }
        add("relations.\(type.lowercased())", target, latestOriginalWins: true)
    }

    mutating func addKey(_ key: String) {
        entries.append(Entry(key: key, value: nil, original: nil, latestOriginalWins: false, position: entries.count))
    }

    private static func isASCII(_ text: String) -> Bool {
        // One pass the compiler vectorizes; a native string's bytes are always contiguous.
        text.utf8.withContiguousStorageIfAvailable { bytes in bytes.reduce(0, |) < 0x80 }
            ?? text.utf8.allSatisfy { $0 < 0x80 }
    }

    /// One row per key and distinct value, sorted by key then value; a key's value-less row only when it has no
    /// value.
    ///
    /// Keys and values are told apart and ordered as `String`s, as the dictionary and sets this replaced did: equal
    /// means canonically equivalent, and the first spelling met is kept.
    func rows() -> [EntitySearchFields.Row] {
        // `String`'s `<` is not a consistent order for decomposed spellings ("e\u{301}" equals "é", yet only "é"
        // sorts before "éz"), so equal strings need not end up side by side in a sort: only ASCII, the usual case,
        // is merged after sorting.
        allASCII ? sortedRows() : groupedRows()
    }

    /// ``rows()`` of ASCII entries: one sort, then runs of equal keys and values merged.
    private func sortedRows() -> [EntitySearchFields.Row] {
        let sorted = entries.sorted { a, b in
            if a.key != b.key { return a.key < b.key }
            switch (a.value, b.value) {
            case (nil, nil): return a.position < b.position
            case (nil, _): return true
            case (_, nil): return false
            case (let x?, let y?): return x != y ? x < y : a.position < b.position
            }
        }
        var rows: [EntitySearchFields.Row] = []
        rows.reserveCapacity(sorted.count)
        var start = sorted.startIndex
        while start < sorted.endIndex {
            let key = sorted[start].key
            var end = start + 1
            while end < sorted.endIndex, sorted[end].key == key { end += 1 }
            var index = start
            while index < end, sorted[index].value == nil { index += 1 }
            if index == end { rows.append(.init(key: key, value: nil, original: nil)) }
            while index < end {
                // The first one's original, unless a later relation's replaces it.
                let first = sorted[index]
                var original = first.original
                index += 1
                while index < end, sorted[index].value == first.value {
                    if sorted[index].latestOriginalWins { original = sorted[index].original }
                    index += 1
                }
                rows.append(.init(key: key, value: first.value, original: original))
            }
            start = end
        }
        return rows
    }

    /// ``rows()`` of any entries: grouped by key and value through dictionaries, then sorted.
    private func groupedRows() -> [EntitySearchFields.Row] {
        var groupOf: [String: Int] = [:]
        var groups: [(key: String, entries: [Entry])] = []
        for entry in entries {
            if let group = groupOf[entry.key] {
                groups[group].entries.append(entry)
            } else {
                groupOf[entry.key] = groups.count
                groups.append((entry.key, [entry]))
            }
        }
        groups.sort { $0.key < $1.key }
        var rows: [EntitySearchFields.Row] = []
        rows.reserveCapacity(entries.count)
        for (key, entries) in groups {
            var values: [(value: String, original: String?)] = []
            var positionOf: [String: Int] = [:]
            for entry in entries {
                guard let value = entry.value else { continue }
                // A single value needs no dictionary; most keys have one.
                let existing: Int?
                if values.isEmpty {
                    existing = nil
                } else {
                    if positionOf.isEmpty { positionOf[values[0].value] = 0 }
                    existing = positionOf[value]
                }
                if let existing {
                    if entry.latestOriginalWins { values[existing].original = entry.original }
                } else {
                    if !values.isEmpty { positionOf[value] = values.count }
                    values.append((value, entry.original))
                }
            }
            if values.isEmpty { rows.append(.init(key: key, value: nil, original: nil)) }
            for (value, original) in values.sorted(by: { $0.value < $1.value }) {
                rows.append(.init(key: key, value: value, original: original))
            }
        }
        return rows
    }
}
