import BackendKit

/// An entity flattened into lower-cased `dotted.key → values` pairs, like the rows of Backstage's
/// `search` table, so filters can match nested and array fields.
///
/// As in Backstage, the `relations` array is not flattened as it is written: each relation gives a
/// `relations.<type>` key (lower-cased) whose value is the target's ref, so `filter=relations.ownedby=group:default/x`
/// works.
struct EntitySearchFields: Sendable, Equatable {
    /// Lower-cased dotted key → lower-cased scalar values (one per array element).
    let values: [String: Set<String>]
    /// Lower-cased dotted key → lower-cased value → the value as first written (for facets).
    let originals: [String: [String: String]]

    /// The rows of the `search` table: one per key and value, sorted, with the value as written; a key without
    /// values gives one row with `nil` values.
    var rows: [(key: String, value: String?, original: String?)] {
        values.keys.sorted().flatMap { key -> [(key: String, value: String?, original: String?)] in
            let keyValues = values[key] ?? []
            if keyValues.isEmpty { return [(key, nil, nil)] }
            return keyValues.sorted().map { (key, $0, originals[key]?[$0] ?? $0) }
        }
    }

    /// Flattens `entity`; nested objects give dotted keys, arrays give one value per element,
    /// and an empty array or null still records the key (so `filter=key` finds it).
    init(_ entity: Entity) {
        var values: [String: Set<String>] = [:]
        var originals: [String: [String: String]] = [:]
        Self.flatten(entity.document, prefix: "", into: &values, originals: &originals)
        for relation in entity.document["relations"]?.arrayValue ?? [] {
            guard let type = relation["type"]?.stringValue, let target = relation["targetRef"]?.stringValue else {
                continue
            }
            let key = "relations.\(type.lowercased())"
            values[key, default: []].insert(target.lowercased())
            originals[key, default: [:]][target.lowercased()] = target
        }
        self.values = values
        self.originals = originals
    }

    private static func flatten(
        _ value: JSONValue, prefix: String, into values: inout [String: Set<String>],
        originals: inout [String: [String: String]]
    ) {
        switch value {
        case .object(let members):
            for (key, member) in members {
                let path = prefix.isEmpty ? key.lowercased() : "\(prefix).\(key.lowercased())"
                if path == "relations" { continue }
                flatten(member, prefix: path, into: &values, originals: &originals)
            }
        case .array(let elements):
            values[prefix, default: []].formUnion([])
            for element in elements {
                if let text = element.scalarText {
                    record(text, prefix, &values, &originals)
                } else if case .object = element {
                    flatten(element, prefix: prefix, into: &values, originals: &originals)
                }
            }
        case .null:
            values[prefix, default: []].formUnion([])
        default:
            if let text = value.scalarText {
                record(text, prefix, &values, &originals)
            }
        }
    }

    private static func record(
        _ text: String, _ key: String, _ values: inout [String: Set<String>],
        _ originals: inout [String: [String: String]]
    ) {
        let lower = text.lowercased()
        values[key, default: []].insert(lower)
        if originals[key]?[lower] == nil { originals[key, default: [:]][lower] = text }
    }

    /// Compares the flattened values.
    static func == (lhs: EntitySearchFields, rhs: EntitySearchFields) -> Bool {
        lhs.values == rhs.values
    }
}
