/// The config keys a backend reads, each with its type, default, description and whether its value is a secret.
///
/// The host declares its own keys and every plugin declares its own (`BackendPlugin.configSchema`); the host
/// merges them. `backend config check` reports every key under a declared root that no schema declares
/// (``unknownKeys(in:)``), `backend config print` hides the values of secret keys
/// (``redactingSecrets(in:)``) and `backend config schema` prints ``jsonSchema``.
///
/// A path is dotted: `backend.listen.port`. `[]` after a segment stands for the elements of an array
/// (`backend.auth.keys[].secret`), and a `*` segment for any key (`backend.database.plugin.*.client`).
/// Which keys are checked:
///
/// - only under a declared *root*, the first segment of a declared path (`backend`, `catalog`, …): other
///   top-level sections (`app`, `organization`, …) belong to someone else and are left alone;
/// - in an object that the schema declares keys below: every key there must be declared (or match a `*`);
/// - an object with no declared key below it (a duration such as `{minutes: 5}`, or a key declared as an
///   open object) takes any keys.
///
/// ```swift
/// let schema = ConfigSchema([
///     .init("hello.greeting", type: .string, default: "Hello, world!", description: "The text of GET /greeting."),
///     .init("hello.apiKey", type: .string, description: "The key for the greeting service.", secret: true),
/// ])
/// ```
public struct ConfigSchema: Sendable, Equatable {
    /// One declared key.
    public struct Key: Sendable, Equatable {
        /// The dotted path, with `[]` for array elements and `*` for any key (see ``ConfigSchema``).
        public let path: String
        /// The accepted kinds of value.
        public let type: ConfigValueType
        /// The value used when the key is absent, or `nil` when there is none (or it is not a single value:
        /// say so in ``description``).
        public let defaultValue: JSONValue?
        /// What the key does, in a sentence or two.
        public let description: String
        /// Whether the value is a credential: `config print` hides it, and every string and number below it.
        public let isSecret: Bool

        /// Declares a key.
        ///
        /// - Parameters:
        ///   - path: The dotted path (`[]` for array elements, `*` for any key).
        ///   - type: The accepted kinds of value.
        ///   - defaultValue: The value used when the key is absent, if there is one.
        ///   - description: What the key does.
        ///   - secret: Whether the value is a credential.
        public init(
            _ path: String, type: ConfigValueType, default defaultValue: JSONValue? = nil, description: String,
            secret: Bool = false
        ) {
            self.path = path
            self.type = type
            self.defaultValue = defaultValue
            self.description = description
            self.isSecret = secret
        }

        /// The path's segments: `backend.auth.keys[].secret` is `backend`, `auth`, `keys`, `[]`, `secret`.
        var segments: [String] {
            ConfigSchema.segments(of: path)
        }
    }

    /// The declared keys, in declaration order; a path is declared once (the first declaration wins).
    public private(set) var keys: [Key]

    /// A schema of `keys` (a later key with the path of an earlier one is ignored).
    public init(_ keys: [Key] = []) {
        self.keys = []
        add(keys)
    }

    /// One schema with the keys of each of `schemas`, in order.
    public init(merging schemas: [ConfigSchema]) {
        self.init(schemas.flatMap(\.keys))
    }

    /// Whether the schema declares no key.
    public var isEmpty: Bool { keys.isEmpty }

    /// The top-level sections the schema declares keys in (`backend`, `catalog`, …), in order.
    public var roots: [String] {
        var seen = Set<String>()
        return keys.compactMap { key in key.segments.first }.filter { seen.insert($0).inserted }
    }

    /// The declaration of `path`, written as declared (`backend.auth.keys[].secret`).
    public func key(_ path: String) -> Key? {
        keys.first { $0.path == path }
    }

    /// This schema with `other`'s keys added after its own.
    public func merging(_ other: ConfigSchema) -> ConfigSchema {
        ConfigSchema(merging: [self, other])
    }

    private mutating func add(_ added: [Key]) {
        var paths = Set(keys.map(\.path))
        for key in added where paths.insert(key.path).inserted {
            keys.append(key)
        }
    }

    /// `a.b[][].c` → `a`, `b`, `[]`, `[]`, `c`.
    static func segments(of path: String) -> [String] {
        var segments: [String] = []
        for part in path.split(separator: ".", omittingEmptySubsequences: false) {
            var name = Substring(part)
            var elements = 0
            while name.hasSuffix("[]") {
                name = name.dropLast(2)
                elements += 1
            }
            if !name.isEmpty { segments.append(String(name)) }
            segments += Array(repeating: elementSegment, count: elements)
        }
        return segments
    }

    /// The segment that stands for an array's elements.
    static let elementSegment = "[]"
    /// The segment that stands for any key.
    static let anyKeySegment = "*"
}

/// The kinds of value a config key accepts; a key that accepts several lists them all: `[.integer, .string]`.
public struct ConfigValueType: OptionSet, Sendable, Hashable {
    /// The bits.
    public let rawValue: Int

    /// The kinds of `rawValue`'s bits.
    public init(rawValue: Int) {
        self.rawValue = rawValue
    }

    /// A string.
    public static let string = ConfigValueType(rawValue: 1 << 0)
    /// A number (numeric strings are accepted by the reader).
    public static let number = ConfigValueType(rawValue: 1 << 1)
    /// A whole number.
    public static let integer = ConfigValueType(rawValue: 1 << 2)
    /// A boolean.
    public static let boolean = ConfigValueType(rawValue: 1 << 3)
    /// An object.
    public static let object = ConfigValueType(rawValue: 1 << 4)
    /// An array.
    public static let array = ConfigValueType(rawValue: 1 << 5)
    /// A duration: milliseconds, a string such as `"30s"`, `"1h 30m"` or `"PT30S"`, or an object such as
    /// `{minutes: 5}`.
    public static let duration = ConfigValueType(rawValue: 1 << 6)

    /// The kinds by name, in the order they are listed.
    static let named: [(String, ConfigValueType)] = [
        ("string", .string), ("number", .number), ("integer", .integer), ("boolean", .boolean),
        ("object", .object), ("array", .array), ("duration", .duration),
    ]

    /// The names of the kinds this type accepts: `["integer", "string", "object"]`.
    public var names: [String] {
        Self.named.filter { contains($0.1) }.map(\.0)
    }

    /// The JSON Schema `type` names: a duration is a number, a string or an object.
    var jsonSchemaTypes: [String] {
        var expanded = self
        if contains(.duration) { expanded.formUnion([.number, .string, .object]) }
        if expanded.contains(.number) { expanded.remove(.integer) }
        return Self.named.filter { $0.1 != .duration && expanded.contains($0.1) }.map(\.0)
    }
}
