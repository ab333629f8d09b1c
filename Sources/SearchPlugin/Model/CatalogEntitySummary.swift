/// The fields of a catalog entity the collator reads. Decoding is lenient: a field of an
/// unexpected type is treated as absent, so one odd entity never fails a page.
struct CatalogEntitySummary: Sendable, Equatable, Decodable {
    /// `kind`.
    let kind: String
    /// `metadata.name`.
    let name: String
    /// `metadata.namespace`.
    let namespace: String?
    /// `metadata.title`.
    let title: String?
    /// `metadata.description`.
    let description: String?
    /// `spec.type`.
    let type: String?
    /// `spec.lifecycle`.
    let lifecycle: String?
    /// `spec.owner`.
    let owner: String?

    private enum Keys: String, CodingKey {
        case kind, metadata, spec, name, namespace, title, description, type, lifecycle, owner
    }

    /// Creates a summary directly (tests).
    init(
        kind: String, name: String, namespace: String? = nil, title: String? = nil, description: String? = nil,
        type: String? = nil, lifecycle: String? = nil, owner: String? = nil
    ) {
        self.kind = kind
        self.name = name
        self.namespace = namespace
        self.title = title
        self.description = description
        self.type = type
        self.lifecycle = lifecycle
        self.owner = owner
    }

    /// Decodes an entity; `kind` and `metadata.name` are required.
    init(from decoder: any Decoder) throws {
        let root = try decoder.container(keyedBy: Keys.self)
        kind = try root.decode(String.self, forKey: .kind)
        let metadata = try root.nestedContainer(keyedBy: Keys.self, forKey: .metadata)
        name = try metadata.decode(String.self, forKey: .name)
        namespace = Self.string(metadata, .namespace)
        title = Self.string(metadata, .title)
        description = Self.string(metadata, .description)
        let spec = try? root.nestedContainer(keyedBy: Keys.self, forKey: .spec)
        type = spec.flatMap { Self.string($0, .type) }
        lifecycle = spec.flatMap { Self.string($0, .lifecycle) }
        owner = spec.flatMap { Self.string($0, .owner) }
    }

    private static func string(_ container: KeyedDecodingContainer<Keys>, _ key: Keys) -> String? {
        (try? container.decodeIfPresent(String.self, forKey: key)) ?? nil
    }
}

/// One element of a `GET /entities/by-query` page: an entity, or nil when it lacks `kind` or `metadata.name`.
struct LenientEntity: Sendable, Decodable {
    /// The entity, if it could be read.
    let entity: CatalogEntitySummary?

    /// Decodes without failing.
    init(from decoder: any Decoder) throws {
        entity = try? CatalogEntitySummary(from: decoder)
    }
}
