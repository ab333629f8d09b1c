import BackendJSON

/// The internal value tree: like `JSONValue`, but every node remembers its source, and an object entry
/// can be `absent` (for example because an environment variable was missing) so the reader can explain why.
struct ConfigNode: Sendable {
    /// The payload of a node.
    enum Content: Sendable {
        case null
        case bool(Bool)
        case int(Int)
        case double(Double)
        case string(String)
        case array([ConfigNode])
        case object(NodeObject)
        /// No value; `missingVariable` names the environment variable whose absence caused it.
        case absent(missingVariable: String?)
    }

    var content: Content
    var source: ConfigSource

    init(_ content: Content, source: ConfigSource) {
        self.content = content
        self.source = source
    }

    /// Converts a public value, giving every node the same source.
    init(value: JSONValue, source: ConfigSource) {
        self.source = source
        switch value {
        case .null: content = .null
        case .bool(let bool): content = .bool(bool)
        case .int(let number): content = .int(number)
        case .double(let number): content = .double(number)
        case .string(let string): content = .string(string)
        case .array(let items): content = .array(items.map { ConfigNode(value: $0, source: source) })
        case .object(let entries):
            var object = NodeObject()
            for (key, item) in entries {
                object.set(key, ConfigNode(value: item, source: source))
            }
            content = .object(object)
        }
    }

    /// True for `absent` nodes and for `null` (which, in an object, means "unset").
    var isUnset: Bool {
        switch content {
        case .absent, .null: true
        default: false
        }
    }

    /// The public value; `nil` when absent. Absent object entries are dropped, and so are `null` ones
    /// unless `keepingNulls` (a raw parse rather than a config tree).
    func toValue(keepingNulls: Bool = false) -> JSONValue? {
        switch content {
        case .null: return .null
        case .bool(let bool): return .bool(bool)
        case .int(let number): return .int(number)
        case .double(let number): return .double(number)
        case .string(let string): return .string(string)
        case .array(let items): return .array(items.compactMap { $0.toValue(keepingNulls: keepingNulls) })
        case .object(let object):
            var members = JSONObject()
            for (key, node) in object.entries where keepingNulls || !node.isUnset {
                if let value = node.toValue(keepingNulls: keepingNulls) {
                    members[key] = value
                }
            }
            return .object(members)
        case .absent: return nil
        }
    }

    /// Backstage's type name for reader errors (`empty-string` and `nan` are distinguished).
    var errorTypeName: String {
        switch content {
        case .null, .absent: "null"
        case .bool: "boolean"
        case .int: "number"
        case .double(let number): number.isNaN ? "nan" : "number"
        case .string(let string): string.isEmpty ? "empty-string" : "string"
        case .array: "array"
        case .object: "object"
        }
    }

    /// Type name for loader messages (`JSONValue`'s names; an absent node is `null`).
    var typeName: String {
        switch content {
        case .absent: "null"
        case .int, .double: "number"
        case .string: "string"
        default: errorTypeName
        }
    }
}
