/// The search document of one catalog entity, shaped like Backstage's `CatalogEntityDocument`.
struct CatalogEntityDocument: Sendable, Codable, Equatable {
    /// `metadata.title`, else `metadata.name`.
    let title: String
    /// `metadata.description`, else empty.
    let text: String
    /// `/catalog/<namespace>/<kind>/<name>`, lower-cased as Backstage's collator does.
    let location: String
    /// The entity kind.
    let kind: String
    /// The entity namespace.
    let namespace: String
    /// `spec.type`, else `other`.
    let type: String
    /// `spec.type`, else `other` (Backstage's older field name).
    let componentType: String
    /// `spec.lifecycle`, else empty.
    let lifecycle: String
    /// `spec.owner`, else empty.
    let owner: String

    /// The document of `entity`.
    init(_ entity: CatalogEntitySummary) {
        let namespace = entity.namespace ?? "default"
        title = entity.title ?? entity.name
        text = entity.description ?? ""
        location = "/catalog/\(namespace)/\(entity.kind)/\(entity.name)".lowercased()
        kind = entity.kind
        self.namespace = namespace
        type = entity.type ?? "other"
        componentType = entity.type ?? "other"
        lifecycle = entity.lifecycle ?? ""
        owner = entity.owner ?? ""
    }

    /// The value of a filterable field by name (`kind`, `type`, `owner`, …).
    func field(_ name: String) -> String? {
        switch name {
        case "title": title
        case "text": text
        case "location": location
        case "kind": kind
        case "namespace": namespace
        case "type": type
        case "componentType": componentType
        case "lifecycle": lifecycle
        case "owner": owner
        default: nil
        }
    }
}
