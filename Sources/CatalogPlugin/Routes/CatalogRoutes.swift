import BackendKit
import Foundation

/// The catalog's HTTP API under `/api/catalog`.
///
/// | route | does |
/// |---|---|
/// | `GET /entities?filter=…&fields=…&offset=…&limit=…` | entities matching the filter, in ref order |
/// | `GET /entities/by-name/:kind/:namespace/:name` | one entity, or 404 |
/// | `POST /entities` | validates and adds an entity (marked `managed-by-location: api:/api/catalog/entities`): 201 with it, 400, or 409 |
/// | `DELETE /entities/by-name/:kind/:namespace/:name` | 204, 404, or 403 for an entity of `catalog.locations` |
/// | `GET /entities/by-uid/:uid`, `DELETE /entities/by-uid/:uid` | the same by `metadata.uid` |
/// | `GET /entities/by-query?filter=…&orderField=…&fullTextFilterTerm=…&cursor=…&limit=…&fields=…` | keyset pages |
/// | `POST /entities/by-refs` | `{"items": [Entity or null, …]}` in request order |
/// | `GET /entity-facets?facet=…&filter=…` | value counts per facet |
/// | `GET/POST /locations`, `GET/DELETE /locations/:id`, `GET /locations/by-entity/:kind/:namespace/:name` | locations |
/// | `GET /entities/by-name/:kind/:namespace/:name/ancestry` | the entity and the Location entities above it |
/// | `POST /validate-entity`, `POST /refresh` | Backstage's validation answer; the entity's relations recomputed |
///
/// Every route requires a server token (the host's default). With `catalog.readonly`, the routes that add or remove
/// entities and locations answer 403; reads and refresh keep working.
struct CatalogRoutes: Sendable {
    /// The largest entity body the catalog reads (4 MiB).
    static let maxBodyBytes = 4 * 1024 * 1024

    /// The `managed-by-location` and `managed-by-origin-location` of an entity added with `POST /entities`, whatever
    /// its body said.
    static let postedLocation = "api:/api/catalog/entities"

    /// The store the routes read and write.
    let store: EntityStore
    /// The locations.
    let locations: LocationStore
    /// The `catalog:` section: registration roots, rules and read-only mode.
    let settings: CatalogSettings
    /// The plugin's logger.
    let logger: Logger

    /// Adds the routes.
    func add(to routes: PluginRoutes) {
        routes.get("/entities") { request, _ in
            try await list(QueryItems(request.uri.query))
        }
        routes.get("/entities/by-name/:kind/:namespace/:name") { _, context in
            let ref = try Self.ref(context)
            guard let body = try await store.encodedEntity(ref) else { throw CatalogError.entityNotFound(ref) }
            return EncodedJSONBody(body)
        }
        routes.post("/entities") { request, _ in
            try refuseIfReadonly()
            let entity = try EntityValidator.validate(
                LocationLoader.annotated(
                    try await request.decodeJSONBody(limit: Self.maxBodyBytes, expecting: "a JSON entity"),
                    location: Self.postedLocation, origin: Self.postedLocation))
            guard settings.rules.allows(kind: entity.ref.kind, from: nil) else {
                throw InputError(CatalogRules.refusal(entity))
            }
            let stored = try await store.add(entity)
            logger.info("Added entity \(stored.ref)")
            return JSONBody(stored.document, status: .created)
        }
        routes.get("/entities/by-uid/:uid") { _, context in
            let uid = try Self.uid(context)
            guard let entity = try await store.entity(uid: uid) else { throw CatalogError.entityNotFound(uid: uid) }
            return JSONBody(entity.document)
        }
        routes.delete("/entities/by-uid/:uid") { _, context in
            try refuseIfReadonly()
            let uid = try Self.uid(context)
            guard let entity = try await store.entity(uid: uid) else { throw CatalogError.entityNotFound(uid: uid) }
            try await store.remove(entity.ref)
            logger.info("Removed entity \(entity.ref)")
            return Response(status: .noContent)
        }
        routes.delete("/entities/by-name/:kind/:namespace/:name") { _, context in
            try refuseIfReadonly()
            let ref = try Self.ref(context)
            try await store.remove(ref)
            logger.info("Removed entity \(ref)")
            return Response(status: .noContent)
        }
        addQueryRoutes(to: routes)
        addMaintenanceRoutes(to: routes)
        addLocationRoutes(to: routes)
        addAncestryRoute(to: routes)
    }

    /// `GET /entities`: parses `filter`, `fields`, `offset` and `limit`. Whole entities are served from the bytes
    /// encoded when they were stored; a `fields` selection is encoded per request.
    func list(_ query: QueryItems) async throws -> EncodedJSONBody {
        let filter = try EntityFilter.parse(query.values("filter"), limits: settings.limits)
        let offset = try Self.nonNegativeInteger(query, "offset") ?? 0
        let limit = try pageLimit(query)
        guard let fields = FieldSelection.parse(query.values("fields")) else {
            let encoded = try await store.encodedList(filter: filter, offset: offset, limit: limit)
            try checkResponseSize(encoded.readableBytes)
            return EncodedJSONBody(encoded)
        }
        let entities = try await store.list(filter: filter, offset: offset, limit: limit)
        let encoded = JSONValue.array(entities.map { fields.apply(to: $0.document) }).jsonBuffer
        try checkResponseSize(encoded.readableBytes)
        return EncodedJSONBody(encoded)
    }

    /// `catalog.readonly`'s refusal of a change: 403 `This operation not allowed in readonly mode`, Backstage's words.
    func refuseIfReadonly() throws(NotAllowedError) {
        if settings.readonly { throw NotAllowedError("This operation not allowed in readonly mode") }
    }

    static func nonNegativeInteger(_ query: QueryItems, _ name: String) throws(InputError) -> Int? {
        guard let text = query.first(name) else { return nil }
        guard let value = Int(text), value >= 0 else {
            throw InputError("Invalid \(name) query parameter '\(text)', expected a non-negative integer")
        }
        return value
    }

    /// The `:uid` path parameter (a NUL character is a 400 on both engines).
    static func uid(_ context: BackendRequestContext) throws -> String {
        let uid = try context.pathParameter("uid")
        try CatalogLimits.checkNoNUL(uid, in: "uid")
        return uid
    }

    static func ref(_ context: BackendRequestContext) throws -> EntityRef {
        let ref = EntityRef(
            kind: try context.pathParameter("kind"),
            namespace: try context.pathParameter("namespace"),
            name: try context.pathParameter("name"))
        try CatalogLimits.checkNoNUL(ref.key, in: "entity ref")
        return ref
    }
}
