/// The identity of an entity: kind, namespace and name.
///
/// Two refs are the same entity when they match case-insensitively, as in Backstage.
struct EntityRef: Sendable, Hashable, CustomStringConvertible {
    /// The kind as written (`Component`).
    let kind: String
    /// The namespace as written (`default` when the entity has none).
    let namespace: String
    /// The name as written.
    let name: String
    /// The lower-cased identity used for lookups and uniqueness: `kind:namespace/name`.
    ///
    /// Stored, not computed: every dictionary of refs hashes and compares it, and a bulk load does so several times
    /// per entity (BENCHMARKS.md, "Bulk loads").
    let key: String

    /// The default namespace of entities that declare none.
    static let defaultNamespace = "default"

    /// Creates a ref.
    init(kind: String, namespace: String, name: String) {
        self.kind = kind
        self.namespace = namespace
        self.name = name
        self.key = "\(kind):\(namespace)/\(name)".lowercased()
    }

    /// `kind:namespace/name`, as Backstage's `stringifyEntityRef` prints it (kind lower-cased).
    var description: String {
        "\(kind.lowercased()):\(namespace)/\(name)"
    }

    /// Compares identities case-insensitively.
    static func == (lhs: EntityRef, rhs: EntityRef) -> Bool {
        lhs.key == rhs.key
    }

    /// Hashes the case-insensitive identity.
    func hash(into hasher: inout Hasher) {
        hasher.combine(key)
    }
}

extension EntityRef {
    /// Parses Backstage's compound ref `[<kind>:][<namespace>/]<name>`, filling in `defaultKind` and
    /// `defaultNamespace` for the parts it omits; nil when it has no kind and there is no default, or a part is empty.
    static func parse(_ text: String, defaultKind: String?, defaultNamespace: String) -> EntityRef? {
        var rest = Substring(text.trimmingWhitespace())
        var kind = defaultKind
        if let colon = rest.firstIndex(of: ":") {
            kind = String(rest[..<colon])
            rest = rest[rest.index(after: colon)...]
        }
        var namespace = defaultNamespace
        if let slash = rest.firstIndex(of: "/") {
            namespace = String(rest[..<slash])
            rest = rest[rest.index(after: slash)...]
        }
        guard let kind, !kind.isEmpty, !namespace.isEmpty, !rest.isEmpty else { return nil }
        return EntityRef(kind: kind, namespace: namespace, name: String(rest))
    }
}
