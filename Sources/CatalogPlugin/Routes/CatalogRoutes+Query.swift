import BackendKit
import Foundation

/// `GET /entities/by-query`, `POST /entities/by-refs` and `GET /entity-facets`, with the shapes of Backstage's
/// catalog OpenAPI spec.
extension CatalogRoutes {
    /// `limit` of `GET /entities/by-query` when none is given.
    static let defaultQueryLimit = 20

    /// Adds the query routes.
    func addQueryRoutes(to routes: PluginRoutes) {
        routes.get("/entities/by-query") { request, _ in
            try await query(QueryItems(request.uri.query))
        }
        routes.post("/entities/by-refs") { request, _ in
            try await byRefs(
                try await request.decodeJSONBody(limit: Self.maxBodyBytes, expecting: "a JSON object with entityRefs"),
                QueryItems(request.uri.query))
        }
        routes.get("/entity-facets") { request, _ in
            try await facets(QueryItems(request.uri.query))
        }
    }

    /// `GET /entities/by-query`: `{"items": [...], "totalItems": N, "pageInfo": {"nextCursor"?, "prevCursor"?}}`.
    func query(_ items: QueryItems) async throws -> EncodedJSONBody {
        let limit = try Self.nonNegativeInteger(items, "limit") ?? Self.defaultQueryLimit
        let fields = FieldSelection.parse(items.values("fields"))
        let query: EntityQuery
        let cursor: EntityCursor?
        if let text = items.first("cursor") {
            // The cursor carries the query it continues: `filter`, `orderField` and the full-text parameters beside
            // it are ignored, as Backstage does, because real clients resend them with every page.
            let decoded = try EntityCursor(decoding: text)
            cursor = decoded
            query = decoded.query
        } else {
            cursor = nil
            query = try EntityQuery.parse(items)
        }
        let backward = cursor?.isPrevious ?? false
        let page = try await store.queryPage(
            query, after: cursor?.position, backward: backward, limit: limit, countTotal: cursor == nil)
        let totalItems = cursor?.totalItems ?? page.totalItems ?? 0
        func cursorText(_ item: (uid: String, values: [String?], body: String)?, previous: Bool) -> String? {
            guard let item else { return nil }
            return EntityCursor(
                query: query, position: EntityCursor.Position(values: item.values, uid: item.uid),
                isPrevious: previous, totalItems: totalItems
            ).encoded
        }
        // Forwards, more beyond the page gives a next cursor, and any page reached through a cursor has a page
        // before it; backwards, the other way round.
        let hasNext = backward ? !page.items.isEmpty : page.hasMore
        let hasPrevious = backward ? page.hasMore : (cursor != nil && !page.items.isEmpty)
        var pageInfo: JSONObject = [:]
        if hasNext, let next = cursorText(page.items.last, previous: false) { pageInfo["nextCursor"] = .string(next) }
        if hasPrevious, let previous = cursorText(page.items.first, previous: true) {
            pageInfo["prevCursor"] = .string(previous)
        }
        var buffer = ByteBuffer()
        buffer.writeString(#"{"items":"#)
        buffer.writeImmutableBuffer(try Self.encodedArray(page.items.map(\.body), fields: fields))
        buffer.writeString(#","totalItems":\#(totalItems),"pageInfo":"#)
        buffer.writeString(JSONValue.object(pageInfo).jsonText())
        buffer.writeString("}")
        return EncodedJSONBody(buffer)
    }

    /// `POST /entities/by-refs`: `{"items": [Entity | null, ...]}` in the order of `entityRefs`.
    func byRefs(_ body: JSONValue, _ items: QueryItems) async throws -> EncodedJSONBody {
        guard case .object(let members) = body else {
            throw InputError("Invalid request body, expected a JSON object with entityRefs, got \(body.typeName)")
        }
        guard let refs = members["entityRefs"]?.arrayValue else {
            throw InputError("Invalid request body, entityRefs must be an array of entity refs")
        }
        let strings = refs.compactMap(\.stringValue)
        guard strings.count == refs.count else {
            throw InputError("Invalid request body, entityRefs must be an array of strings")
        }
        var fields: FieldSelection?
        if let requested = members["fields"], requested != .null {
            guard let list = requested.arrayValue, list.allSatisfy({ $0.stringValue != nil }) else {
                throw InputError("Invalid request body, fields must be an array of strings")
            }
            fields = FieldSelection.parse(list.compactMap(\.stringValue))
        }
        let filter = try EntityFilter.parse(items.values("filter"))
        let bodies = try await store.bodies(refs: strings, filter: filter)
        var buffer = ByteBuffer()
        buffer.writeString(#"{"items":"#)
        buffer.writeImmutableBuffer(try Self.encodedArray(bodies, fields: fields))
        buffer.writeString("}")
        return EncodedJSONBody(buffer)
    }

    /// `GET /entity-facets`: `{"facets": {"<facet>": [{"value": …, "count": N}, …]}}`.
    func facets(_ items: QueryItems) async throws -> EncodedJSONBody {
        let facets = items.values("facet").map { $0.trimmingWhitespace() }.filter { !$0.isEmpty }
        guard !facets.isEmpty else {
            throw InputError("Missing facet query parameter, expected at least one facet such as facet=kind")
        }
        let filter = try EntityFilter.parse(items.values("filter"))
        let counted = try await store.facets(facets, filter: filter)
        var result: JSONObject = [:]
        for facet in facets {
            result[facet] = .array(
                (counted[facet] ?? []).map { .object(["value": .string($0.value), "count": .int($0.count)]) })
        }
        return EncodedJSONBody(JSONValue.object(["facets": .object(result)]).jsonBuffer)
    }

    /// A JSON array of stored bodies (`null` for nil), each as stored or, with `fields`, reduced to them.
    static func encodedArray(_ bodies: [String?], fields: FieldSelection?) throws -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeString("[")
        for (index, body) in bodies.enumerated() {
            if index > 0 { buffer.writeString(",") }
            guard let body else {
                buffer.writeString("null")
                continue
            }
            if let fields {
                buffer.writeString(fields.apply(to: try EntityStore.decode(body).document).jsonText())
            } else {
                buffer.writeString(body)
            }
        }
        buffer.writeString("]")
        return buffer
    }
}
