/// A JSON value: the one document model of the framework, used for configuration trees, HTTP bodies and
/// plugin data (entities, task parameters, search documents).
///
/// - Objects keep their members in insertion order (``JSONObject``); the writer can sort them.
/// - Integers are exact (`.int`); other numbers are `.double`. Equality compares numbers by value, so
///   `.int(3) == .double(3)`, and treats two NaNs as equal, so a tree written and read back compares equal.
/// - Object equality ignores member order, as JSON does.
///
/// ```swift
/// let entity: JSONValue = ["kind": "Component", "metadata": ["name": "web"], "replicas": 2]
/// entity["metadata"]?["name"]?.stringValue  // "web"
/// entity.jsonText(options: .sortedKeys)      // {"kind":"Component","metadata":{"name":"web"},"replicas":2}
/// ```
public enum JSONValue: Sendable {
    /// JSON `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// An integral number that fits in `Int`, kept exact.
    case int(Int)
    /// Any other number. Non-finite values (YAML `.inf`, `.nan`) have no JSON text and are written as `null`.
    case double(Double)
    /// A string.
    case string(String)
    /// An array.
    case array([JSONValue])
    /// An object with ordered, unique member names.
    case object(JSONObject)

    /// Backstage's type name for messages: `null`, `boolean`, `number`, `string`, `array` or `object`.
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .int, .double: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    /// The string, if this is a string.
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The boolean, if this is a boolean.
    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The number as a `Double`, if this is a number.
    public var doubleValue: Double? {
        switch self {
        case .int(let value): Double(value)
        case .double(let value): value
        default: nil
        }
    }

    /// The number as an exact `Int`, if this is an integral number that fits.
    public var intValue: Int? {
        switch self {
        case .int(let value): value
        case .double(let value): Int(exactly: value)
        default: nil
        }
    }

    /// The members, if this is an object.
    public var objectValue: JSONObject? {
        if case .object(let value) = self { return value }
        return nil
    }

    /// The elements, if this is an array.
    public var arrayValue: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    /// The member named `key`, if this is an object that has it.
    public subscript(key: String) -> JSONValue? {
        objectValue?[key]
    }

    /// The value at a path of object member names (`["metadata", "name"]`), if every step exists.
    public func value(atPath path: some Sequence<String>) -> JSONValue? {
        var current = self
        for component in path {
            guard let next = current[component] else { return nil }
            current = next
        }
        return current
    }

    /// A scalar as text for matching and messages (`true`, `3`, `2.5`, `web`); `nil` for null, arrays, objects.
    public var scalarText: String? {
        switch self {
        case .string(let value): value
        case .bool(let value): value ? "true" : "false"
        case .int(let value): String(value)
        case .double(let value): JSONValue.numberText(value)
        case .null, .array, .object: nil
        }
    }

    /// Makes a number from a `Double`: `.int` when it is integral and fits exactly, else `.double`.
    ///
    /// YAML and JSON readers use this so that `7007` and `7007.0` become the same exact integer.
    public static func number(_ value: Double) -> JSONValue {
        // `Int(exactly:)` is nil for fractions, non-finite values and out-of-range ones; -0 stays a double.
        if let exact = Int(exactly: value), !(value == 0 && value.sign == .minus) {
            return .int(exact)
        }
        return .double(value)
    }
}

extension JSONValue: Equatable {
    /// Structural equality: numbers by value (across `.int` and `.double`; NaN equals NaN), objects ignoring
    /// member order.
    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case (.bool(let left), .bool(let right)): return left == right
        case (.int(let left), .int(let right)): return left == right
        case (.double(let left), .double(let right)): return left == right || (left.isNaN && right.isNaN)
        case (.int(let left), .double(let right)), (.double(let right), .int(let left)):
            return Int(exactly: right) == left
        case (.string(let left), .string(let right)): return left == right
        case (.array(let left), .array(let right)): return left == right
        case (.object(let left), .object(let right)): return left == right
        default: return false
        }
    }
}

extension JSONValue: Hashable {
    /// Hashes consistently with `==`: numbers by their `Double` value, objects independently of member order.
    public func hash(into hasher: inout Hasher) {
        switch self {
        case .null: hasher.combine(0)
        case .bool(let value): hasher.combine(value)
        case .int(let value): hasher.combine(Double(value))
        case .double(let value): hasher.combine(value.isNaN ? .nan : value)
        case .string(let value): hasher.combine(value)
        case .array(let value): hasher.combine(value)
        case .object(let value): hasher.combine(value)
        }
    }
}

extension JSONValue: ExpressibleByNilLiteral {
    /// `.null`.
    public init(nilLiteral: ()) { self = .null }
}

extension JSONValue: ExpressibleByBooleanLiteral {
    /// `.bool`.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}

extension JSONValue: ExpressibleByIntegerLiteral {
    /// `.int`.
    public init(integerLiteral value: Int) { self = .int(value) }
}

extension JSONValue: ExpressibleByFloatLiteral {
    /// `.double`.
    public init(floatLiteral value: Double) { self = .double(value) }
}

extension JSONValue: ExpressibleByStringLiteral {
    /// `.string`.
    public init(stringLiteral value: String) { self = .string(value) }
}

extension JSONValue: ExpressibleByArrayLiteral {
    /// `.array`.
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
}

extension JSONValue: ExpressibleByDictionaryLiteral {
    /// `.object`, keeping the literal's member order.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(JSONObject(elements))
    }
}
