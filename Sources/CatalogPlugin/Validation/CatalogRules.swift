import BackendKit

/// `catalog.rules`: which entity kinds the catalog admits, and from where, in Backstage's shape.
///
/// An entity is admitted when some rule allows its kind (compared without case) and either the rule names no
/// locations or one of them matches where the entity was read from. Entities added with `POST /entities` come from
/// no location, so only rules without `locations` admit them. Unset, the rules are Backstage's default: one rule
/// allowing `Component`, `API` and `Location`.
///
/// ```yaml
/// catalog:
///   rules:
///     - allow: [Component, API, Location, System, Group, User]
///     - allow: [Template]
///       locations:
///         - type: file
///           target: Examples/catalog/templates.yaml   # relative to this config file
/// ```
struct CatalogRules: Sendable, Equatable {
    /// `catalog.rules`.
    static let configKey = "catalog.rules"

    /// One rule: the kinds it allows, and the locations it is limited to (nil: everywhere).
    struct Rule: Sendable, Equatable {
        /// Allowed kinds, lowercased.
        let kinds: Set<String>
        /// The locations the rule applies to; nil applies it to every entity.
        let locations: [LocationMatcher]?
    }

    /// A rule's `locations` entry: `{type, target?, pattern?}`.
    struct LocationMatcher: Sendable, Equatable {
        /// `file`.
        let type: String
        /// An exact target; a relative `file` target is resolved like `catalog.locations`.
        let target: String?
        /// A `*`/`?` pattern the target must match (`*` also matches `/`); resolved like `target` unless it starts
        /// with `*`.
        let pattern: String?

        func matches(type: String, target: String) -> Bool {
            guard type == self.type else { return false }
            if let expected = self.target, expected != target { return false }
            if let pattern, !PathUtilities.matches(target, pattern: pattern) { return false }
            return true
        }
    }

    /// The rules, in order.
    let rules: [Rule]

    /// Backstage's default when `catalog.rules` is unset.
    static let backstageDefault = CatalogRules(rules: [Rule(kinds: ["component", "api", "location"], locations: nil)])

    /// Reads `catalog.rules`, or ``backstageDefault`` when unset.
    static func read(from config: Config, workingDirectory: String) throws -> CatalogRules {
        guard let entries = try config.getOptionalConfigArray(configKey) else { return backstageDefault }
        return CatalogRules(
            rules: try entries.map { entry in
                let kinds = Set(try entry.getStringArray("allow").map { $0.lowercased() })
                let locations = try entry.getOptionalConfigArray("locations")?.map { location in
                    let type = try location.getString("type")
                    let base = PathUtilities.baseDirectory(
                        for: location.source(of: "type"), workingDirectory: workingDirectory)
                    let resolve = { (path: String) in type == "file" ? PathUtilities.resolve(path, against: base) : path
                    }
                    // A pattern that starts with `*` matches wherever the file is; any other is a path like `target`.
                    let pattern = try location.getOptionalString("pattern").map { $0.hasPrefix("*") ? $0 : resolve($0) }
                    return LocationMatcher(
                        type: type, target: try location.getOptionalString("target").map(resolve), pattern: pattern)
                }
                return Rule(kinds: kinds, locations: locations)
            })
    }

    /// Whether `kind`, read from `location` (`type` and absolute target; nil for `POST /entities`), is admitted.
    func allows(kind: String, from location: (type: String, target: String)?) -> Bool {
        let kind = kind.lowercased()
        return rules.contains { rule in
            guard rule.kinds.contains(kind) else { return false }
            guard let matchers = rule.locations else { return true }
            guard let location else { return false }
            return matchers.contains { $0.matches(type: location.type, target: location.target) }
        }
    }

    /// `Entity '<ref>' has kind '<Kind>', which catalog.rules do not allow`.
    static func refusal(_ entity: Entity) -> String {
        "Entity '\(entity.ref)' has kind '\(entity.ref.kind)', which \(configKey) do not allow"
    }
}
