import BackendJSON
import Foundation

/// The typed configuration reader (Backstage's `Config`). Immutable and `Sendable`.
///
/// Keys are dotted paths such as `backend.auth.keys`. Every value remembers the file (or `env`) it came
/// from, and errors use Backstage's exact messages:
/// - `Missing required config value at '<key>'`, with ` (environment variable NAME is not set)` appended
///   when the value is absent because a `${NAME}` substitution or `$env: NAME` found no variable;
/// - `Invalid type in config for key '<key>' in '<file>', got <type>, wanted <expected>`;
/// - `Unable to convert config value for key '<key>' in '<file>' to a <type>` (numeric or boolean
///   strings that do not convert).
///
/// As in Backstage, strings must be non-empty (`got empty-string, wanted string`), numbers may be given as
/// numeric strings (`"7007"`), and booleans as `true`/`false`/`yes`/`no`/`on`/`off`/`1`/`0` strings.
/// An explicit `null` in an object means the key is absent.
public struct Config: Sendable {
    /// The node this config reads from (an object for well-formed configs).
    let node: ConfigNode

    /// Full key of this sub-config from the root (`""` for the root), used in messages.
    public let prefix: String

    init(node: ConfigNode, prefix: String) {
        self.node = node
        self.prefix = prefix
    }

    /// An in-memory config (tests, code-built hosts). Every value gets the source `source`.
    public init(_ value: JSONValue = [:], source: String = "<memory>") {
        self.init(node: ConfigNode(value: value, source: ConfigSource(name: source)), prefix: "")
    }

    /// The whole tree under this config (absent and `null` object entries omitted).
    public var value: JSONValue {
        node.toValue() ?? [:]
    }

    /// True when `key` holds a value (not absent, not `null`).
    public func has(_ key: String) -> Bool {
        if case .found = lookup(key) { return true }
        return false
    }

    /// This config's own object keys that hold values, in order.
    public func keys() -> [String] {
        guard case .object(let object) = node.content else { return [] }
        return object.entries.filter { !$0.1.isUnset }.map(\.0)
    }

    /// The raw value at `key`, or `nil` when absent.
    public func getOptional(_ key: String) -> JSONValue? {
        guard case .found(let found) = lookup(key) else { return nil }
        return found.toValue()
    }

    /// The source (file path or `env`) of the value at `key`, if present.
    public func source(of key: String) -> ConfigSource? {
        guard case .found(let found) = lookup(key) else { return nil }
        return found.source
    }

    /// A required non-empty string.
    public func getString(_ key: String) throws -> String {
        try required(key, getOptionalString)
    }

    /// An optional non-empty string.
    public func getOptionalString(_ key: String) throws -> String? {
        try read(key) { found in
            guard case .string(let string) = found.content, !string.isEmpty else {
                throw invalidType(key, found, wanted: "string")
            }
            return string
        }
    }

    /// A required number (numeric strings are converted).
    public func getNumber(_ key: String) throws -> Double {
        try required(key, getOptionalNumber)
    }

    /// An optional number (numeric strings are converted).
    public func getOptionalNumber(_ key: String) throws -> Double? {
        try read(key) { found in try number(key, found) }
    }

    /// A required integral number (numeric strings are converted).
    public func getInt(_ key: String) throws -> Int {
        try required(key, getOptionalInt)
    }

    /// An optional integral number; a non-integral number is `got number, wanted integer`.
    public func getOptionalInt(_ key: String) throws -> Int? {
        try read(key) { found in
            if case .int(let integer) = found.content { return integer }
            let value = try number(key, found)
            guard let integer = Int(exactly: value) else {
                throw invalidType(key, found, wanted: "integer")
            }
            return integer
        }
    }

    /// An optional integral number of at least `minimum` (and at most `maximum`); a value outside is
    /// `Invalid value in config for key '<key>' in '<file>', wanted a positive integer` (or `a non-negative integer`,
    /// `an integer of at least <minimum>`, `an integer from <minimum> to <maximum>`).
    ///
    /// ```swift
    /// let limit = try config.getOptionalInt("scaffolder.maxTasks", minimum: 1) ?? 1000
    /// ```
    public func getOptionalInt(_ key: String, minimum: Int, maximum: Int = .max) throws -> Int? {
        guard let value = try getOptionalInt(key) else { return nil }
        guard value < minimum || value > maximum else { return value }
        let wanted =
            switch (minimum, maximum) {
            case (_, let maximum) where maximum != .max: "an integer from \(minimum) to \(maximum)"
            case (0, _): "a non-negative integer"
            case (1, _): "a positive integer"
            default: "an integer of at least \(minimum)"
            }
        let file = source(of: key)?.name ?? "<unknown>"
        throw ConfigError("Invalid value in config for key '\(fullKey(key))' in '\(file)', wanted \(wanted)")
    }

    /// A required boolean.
    public func getBoolean(_ key: String) throws -> Bool {
        try required(key, getOptionalBoolean)
    }

    /// An optional boolean (`yes`/`no`/`on`/`off`/`1`/`0`/`true`/`false` strings and `0`/`1` convert).
    public func getOptionalBoolean(_ key: String) throws -> Bool? {
        try read(key) { found in
            let text: String
            switch found.content {
            case .bool(let bool): return bool
            case .int(let number): text = String(number)
            case .double(let number): text = JSONValue.numberText(number)
            case .string(let string): text = string
            default: throw invalidType(key, found, wanted: "boolean")
            }
            switch text.trimmingCharacters(in: .whitespacesAndNewlines).lowercased() {
            case "y", "yes", "true", "1", "on": return true
            case "n", "no", "false", "0", "off": return false
            default: throw unableToConvert(key, found, to: "boolean")
            }
        }
    }

    /// A required object as a sub-config whose messages keep the full key prefix.
    public func getConfig(_ key: String) throws -> Config {
        try required(key, getOptionalConfig)
    }

    /// An optional object as a sub-config.
    public func getOptionalConfig(_ key: String) throws -> Config? {
        try read(key) { found in
            guard case .object = found.content else { throw invalidType(key, found, wanted: "object") }
            return Config(node: found, prefix: fullKey(key))
        }
    }

    /// A required array of objects; element `i` reports its key as `<key>[i]`.
    public func getConfigArray(_ key: String) throws -> [Config] {
        try required(key, getOptionalConfigArray)
    }

    /// An optional array of objects; element `i` reports its key as `<key>[i]`.
    public func getOptionalConfigArray(_ key: String) throws -> [Config]? {
        try read(key) { found in
            guard case .array(let items) = found.content else {
                throw invalidType(key, found, wanted: "object-array")
            }
            return try items.enumerated().map { index, item in
                let itemKey = "\(fullKey(key))[\(index)]"
                guard case .object = item.content else {
                    throw ConfigError.invalidType(fullKey: itemKey, item, wanted: "object")
                }
                return Config(node: item, prefix: itemKey)
            }
        }
    }

    /// A required array of non-empty strings.
    public func getStringArray(_ key: String) throws -> [String] {
        try required(key, getOptionalStringArray)
    }

    /// An optional array of non-empty strings.
    public func getOptionalStringArray(_ key: String) throws -> [String]? {
        try read(key) { found in
            guard case .array(let items) = found.content else {
                throw invalidType(key, found, wanted: "string-array")
            }
            return try items.enumerated().map { index, item in
                guard case .string(let string) = item.content, !string.isEmpty else {
                    throw ConfigError.invalidType(fullKey: "\(fullKey(key))[\(index)]", item, wanted: "string")
                }
                return string
            }
        }
    }
}
