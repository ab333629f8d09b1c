/// A JSON-like configuration value tree.
///
/// Objects keep the insertion order of their keys. Equality compares objects by key (order-insensitive)
/// and treats two NaN numbers as equal, so a tree parsed back from its own printout compares equal.
public indirect enum ConfigValue: Sendable {
    /// JSON `null`.
    case null
    /// A boolean.
    case bool(Bool)
    /// A number; integers are stored as integral doubles.
    case number(Double)
    /// A string.
    case string(String)
    /// An array of values.
    case array([ConfigValue])
    /// An object; keys are unique and kept in insertion order.
    case object([(String, ConfigValue)])

    /// Backstage's type name for messages: `string`, `number`, `boolean`, `array`, `object` or `null`.
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    /// The value stored under `key` when this is an object, else `nil`.
    public subscript(key: String) -> ConfigValue? {
        guard case .object(let entries) = self else { return nil }
        return entries.first { $0.0 == key }?.1
    }
}

extension ConfigValue: Equatable {
    /// Structural equality; object key order is ignored and NaN equals NaN.
    public static func == (lhs: ConfigValue, rhs: ConfigValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null):
            return true
        case (.bool(let left), .bool(let right)):
            return left == right
        case (.number(let left), .number(let right)):
            return left == right || (left.isNaN && right.isNaN)
        case (.string(let left), .string(let right)):
            return left == right
        case (.array(let left), .array(let right)):
            return left == right
        case (.object(let left), .object(let right)):
            guard left.count == right.count else { return false }
            let index = Dictionary(right, uniquingKeysWith: { first, _ in first })
            guard index.count == right.count else { return false }
            return left.allSatisfy { key, value in index[key] == value }
        default:
            return false
        }
    }
}

extension ConfigValue: ExpressibleByNilLiteral {
    /// Creates `.null`.
    public init(nilLiteral: ()) {
        self = .null
    }
}

extension ConfigValue: ExpressibleByBooleanLiteral {
    /// Creates `.bool`.
    public init(booleanLiteral value: Bool) {
        self = .bool(value)
    }
}

extension ConfigValue: ExpressibleByIntegerLiteral {
    /// Creates `.number`.
    public init(integerLiteral value: Int) {
        self = .number(Double(value))
    }
}

extension ConfigValue: ExpressibleByFloatLiteral {
    /// Creates `.number`.
    public init(floatLiteral value: Double) {
        self = .number(value)
    }
}

extension ConfigValue: ExpressibleByStringLiteral {
    /// Creates `.string`.
    public init(stringLiteral value: String) {
        self = .string(value)
    }
}

extension ConfigValue: ExpressibleByArrayLiteral {
    /// Creates `.array`.
    public init(arrayLiteral elements: ConfigValue...) {
        self = .array(elements)
    }
}

extension ConfigValue: ExpressibleByDictionaryLiteral {
    /// Creates `.object`, keeping the literal's key order.
    public init(dictionaryLiteral elements: (String, ConfigValue)...) {
        self = .object(elements)
    }
}
