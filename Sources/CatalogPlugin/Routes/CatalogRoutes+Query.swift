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
        let limit = try pageLimit(items) ?? Self.defaultQueryLimit
        let fields = FieldSelection.parse(items.values("fields"))
        let query: EntityQuery
        let cursor: EntityCursor?
        if let text = items.first("cursor") {
            // The cursor carries the query it continues: `filter`, `orderField` and the full-text parameters beside
            // it are ignored, as Backstage does, because real clients resend them with every page.
            let decoded = try EntityCursor(decoding: text, limits: settings.limits)
            cursor = decoded
            query = decoded.query
        } else {
            cursor = nil
            query = try EntityQuery.parse(items, limits: settings.limits)
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
        buffer.writeImmutableBuffer(try encodedArray(page.items.map(\.body), fields: fields))
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
        if strings.count > settings.limits.refsPerRequest {
            throw CatalogLimits.exceeded(
                "entityRefs", count: strings.count, limit: settings.limits.refsPerRequest, key: "refsPerRequest")
        }
        for ref in strings { try settings.limits.check(term: ref, in: "entityRefs") }
        let filter = try EntityFilter.parse(items.values("filter"), limits: settings.limits)
        let bodies = try await store.bodies(refs: strings, filter: filter)
        // A ref repeated in the request is answered as often as it is asked for, but read, reduced to `fields` and
        // measured once: the answer's size is known, and refused when too large, before any of it is built.
        var encoded: [String: String] = [:]
        var items: [String?] = []
        items.reserveCapacity(strings.count)
        for (ref, body) in zip(strings, bodies) {
            guard let body else {
                items.append(nil)
                continue
            }
            let key = ref.lowercased()
            if let known = encoded[key] {
                items.append(known)
            } else {
                let text = try fields.map { try $0.apply(to: EntityStore.decode(body).document).jsonText() } ?? body
                encoded[key] = text
                items.append(text)
            }
        }
        var buffer = ByteBuffer()
        buffer.writeString(#"{"items":"#)
        buffer.writeImmutableBuffer(try encodedArray(items, fields: nil))
        buffer.writeString("}")
        return EncodedJSONBody(buffer)
    }

    /// `GET /entity-facets`: `{"facets": {"<facet>": [{"value": …, "count": N}, …]}}`.
    func facets(_ items: QueryItems) async throws -> EncodedJSONBody {
        let facets = items.values("facet").map { $0.trimmingWhitespace() }.filter { !$0.isEmpty }
        guard !facets.isEmpty else {
            throw InputError("Missing facet query parameter, expected at least one facet such as facet=kind")
        }
        if facets.count > settings.limits.filterConditions {
            throw CatalogLimits.exceeded(
                "facet parameters", count: facets.count, limit: settings.limits.filterConditions,
                key: "filterConditions")
        }
        for facet in facets { try settings.limits.check(term: facet, in: "facet") }
        let filter = try EntityFilter.parse(items.values("filter"), limits: settings.limits)
        let counted = try await store.facets(facets, filter: filter)
        var result: JSONObject = [:]
        for facet in facets {
            result[facet] = .array(
                (counted[facet] ?? []).map { .object(["value": .string($0.value), "count": .int($0.count)]) })
        }
        return EncodedJSONBody(JSONValue.object(["facets": .object(result)]).jsonBuffer)
    }

    /// A JSON array of stored bodies (`null` for nil), each as stored or, with `fields`, reduced to them; refused
    /// with a 400 before it is built when it would exceed `catalog.limits.responseBytes`.
    func encodedArray(_ bodies: [String?], fields: FieldSelection?) throws -> ByteBuffer {
        let texts = try bodies.map { body in
            try body.map { body in
                try fields.map { try $0.apply(to: EntityStore.decode(body).document).jsonText() } ?? body
            }
        }
        let size = texts.reduce(2 + max(0, texts.count - 1)) { $0 + ($1?.utf8.count ?? 4) }
        try checkResponseSize(size)
        var buffer = ByteBuffer()
        buffer.reserveCapacity(size)
        buffer.writeString("[")
        for (index, text) in texts.enumerated() {
            if index > 0 { buffer.writeString(",") }
            buffer.writeString(text ?? "null")
        }
        buffer.writeString("]")
        return buffer
    }

    /// Refuses an answer of `size` bytes over `catalog.limits.responseBytes`.
    func checkResponseSize(_ size: Int) throws(InputError) {
        guard size > settings.limits.responseBytes else { return }
        throw InputError(
            "The answer would be \(size) bytes, more than \(settings.limits.responseBytes) "
                + "(catalog.limits.responseBytes); ask for fewer items or fewer fields")
    }

    /// The `limit` query parameter within `catalog.limits.pageSize`, or nil when it is not given.
    func pageLimit(_ items: QueryItems) throws(InputError) -> Int? {
        guard let limit = try Self.nonNegativeInteger(items, "limit") else { return nil }
        guard limit <= settings.limits.pageSize else {
            throw InputError(
                "Invalid limit query parameter '\(limit)', at most \(settings.limits.pageSize) "
                    + "(catalog.limits.pageSize)")
        }
        return limit
    }
}
