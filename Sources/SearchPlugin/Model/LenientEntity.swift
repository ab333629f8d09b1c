/// One element of a `GET /entities` page: an entity, or nil when it lacks `kind` or `metadata.name`.
struct LenientEntity: Sendable, Decodable {
    /// The entity, if it could be read.
    let entity: CatalogEntitySummary?

    /// Decodes without failing.
    init(from decoder: any Decoder) throws {
        entity = try? CatalogEntitySummary(from: decoder)
    }
}
