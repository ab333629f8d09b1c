import BackendKit

/// An entity flattened into lower-cased `dotted.key → values` pairs, like the rows of Backstage's
/// `search` table, so filters can match nested and array fields.
struct EntitySearchFields: Sendable, Equatable {
    /// Lower-cased dotted key → lower-cased scalar values (one per array element).
    let values: [String: Set<String>]

    /// The rows of the `search` table: one per key and value, sorted; a key without values gives one row with a
    /// `nil` value.
    var rows: [(key: String, value: String?)] {
        values.keys.sorted().flatMap { key -> [(key: String, value: String?)] in
            let keyValues = values[key] ?? []
            return keyValues.isEmpty ? [(key, nil)] : keyValues.sorted().map { (key, $0) }
        }
    }

    /// Flattens `entity`; nested objects give dotted keys, arrays give one value per element,
    /// and an empty array or null still records the key (so `filter=key` finds it).
    init(_ entity: Entity) {
        var values: [String: Set<String>] = [:]
        Self.flatten(entity.document, prefix: "", into: &values)
        self.values = values
    }

    private static func flatten(_ value: JSONValue, prefix: String, into values: inout [String: Set<String>]) {
        switch value {
        case .object(let members):
            for (key, member) in members {
                let path = prefix.isEmpty ? key.lowercased() : "\(prefix).\(key.lowercased())"
                flatten(member, prefix: path, into: &values)
            }
        case .array(let elements):
            values[prefix, default: []].formUnion([])
            for element in elements {
                if let text = element.scalarText {
                    values[prefix, default: []].insert(text.lowercased())
                } else if case .object = element {
                    flatten(element, prefix: prefix, into: &values)
                }
            }
        case .null:
            values[prefix, default: []].formUnion([])
        default:
            if let text = value.scalarText {
                values[prefix, default: []].insert(text.lowercased())
            }
        }
    }
}
