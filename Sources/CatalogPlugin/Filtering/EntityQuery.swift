import BackendKit
import Foundation

/// What `GET /entities/by-query` asks for, and what its cursors carry: the filter, the order and the full-text
/// filter. A cursor repeats the query it continues, so only `limit` and `fields` can change between pages.
struct EntityQuery: Sendable, Equatable {
    /// One `orderField`: a dotted field and its direction.
    struct Order: Sendable, Equatable {
        /// The lower-cased dotted key, as in the `search` index.
        let field: String
        /// Whether the order is `desc`.
        let descending: Bool
    }

    /// `fullTextFilterTerm` and the fields it is matched in.
    struct FullText: Sendable, Equatable {
        /// The lower-cased term, matched as a substring.
        let term: String
        /// The lower-cased dotted keys searched.
        let fields: [String]
    }

    /// The `filter` parameters.
    let filter: EntityFilter
    /// The `orderField` parameters, in order; entities are ordered by uid after them (and by uid alone when empty).
    let order: [Order]
    /// The full-text filter, if a non-blank term was given.
    let fullText: FullText?

    /// The fields a full-text term is matched in when `fullTextFilterFields` is not given.
    static let defaultFullTextFields = ["metadata.name", "metadata.title", "metadata.description"]

    /// Parses the query parameters of a request without a cursor, within `limits`.
    static func parse(_ query: QueryItems, limits: CatalogLimits) throws(InputError) -> EntityQuery {
        let filter = try EntityFilter.parse(query.values("filter"), limits: limits)
        let orderFields = query.values("orderField")
        if orderFields.count > limits.orderFields {
            throw CatalogLimits.exceeded(
                "orderField parameters", count: orderFields.count, limit: limits.orderFields, key: "orderFields")
        }
        var order: [Order] = []
        for value in orderFields {
            try limits.check(term: value, in: "orderField")
            let parts = value.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingWhitespace() }
            guard let field = parts.first, !field.isEmpty, parts.count <= 2 else {
                throw InputError("Invalid orderField '\(value)', expected a field and an order, like metadata.name,asc")
            }
            let direction = parts.count == 2 ? parts[1] : "asc"
            guard direction == "asc" || direction == "desc" else {
                throw InputError("Invalid order field order, must be asc or desc")
            }
            order.append(Order(field: field.lowercased(), descending: direction == "desc"))
        }
        var fullText: FullText?
        if let term = query.first("fullTextFilterTerm")?.trimmingWhitespace(), !term.isEmpty {
            let fields = query.values("fullTextFilterFields").flatMap { $0.split(separator: ",") }
                .map { $0.trimmingWhitespace().lowercased() }.filter { !$0.isEmpty }
            fullText = FullText(term: term.lowercased(), fields: fields.isEmpty ? defaultFullTextFields : fields)
        }
        let parsed = EntityQuery(filter: filter, order: order, fullText: fullText)
        try parsed.check(limits)
        return parsed
    }

    /// Refuses a query over `limits`: what a request asks for and what a cursor carries alike, since a cursor is
    /// text a caller can forge.
    func check(_ limits: CatalogLimits) throws(InputError) {
        try filter.check(limits)
        if order.count > limits.orderFields {
            throw CatalogLimits.exceeded(
                "orderField parameters", count: order.count, limit: limits.orderFields, key: "orderFields")
        }
        for entry in order {
            guard !entry.field.isEmpty else { throw InputError("Invalid orderField, a field must not be empty") }
            try limits.check(term: entry.field, in: "orderField")
        }
        if let fullText {
            guard !fullText.term.isEmpty, !fullText.fields.isEmpty, !fullText.fields.contains(where: \.isEmpty) else {
                throw InputError("Invalid fullTextFilterTerm, the term and its fields must not be empty")
            }
            try limits.check(term: fullText.term, in: "fullTextFilterTerm")
            if fullText.fields.count > limits.filterConditions {
                throw CatalogLimits.exceeded(
                    "fullTextFilterFields", count: fullText.fields.count, limit: limits.filterConditions,
                    key: "filterConditions")
            }
            for field in fullText.fields { try limits.check(term: field, in: "fullTextFilterFields") }
        }
    }

    /// The query as cursor JSON.
    var json: JSONValue {
        var members: JSONObject = [
            "filter": .array(
                filter.clauses.map { clause in
                    .array(
                        clause.conditions.map { condition in
                            .object([
                                "key": .string(condition.key), "values": .array(condition.values.map { .string($0) }),
                            ])
                        })
                }),
            "orderFields": .array(
                order.map { .object(["field": .string($0.field), "order": .string($0.descending ? "desc" : "asc")]) }),
        ]
        if let fullText {
            members["fullTextFilter"] = .object([
                "term": .string(fullText.term), "fields": .array(fullText.fields.map { .string($0) }),
            ])
        }
        return .object(members)
    }

    /// Reads the query back from cursor JSON; nil when it is not one.
    init?(json: JSONValue) {
        guard let clauses = json["filter"]?.arrayValue, let orders = json["orderFields"]?.arrayValue else {
            return nil
        }
        var parsed: [EntityFilter.Clause] = []
        for clause in clauses {
            guard let conditions = clause.arrayValue else { return nil }
            var list: [(key: String, values: [String])] = []
            for condition in conditions {
                guard let key = condition["key"]?.stringValue, let values = condition["values"]?.arrayValue else {
                    return nil
                }
                let strings = values.compactMap(\.stringValue)
                guard strings.count == values.count else { return nil }
                list.append((key, strings))
            }
            guard !list.isEmpty else { return nil }
            parsed.append(EntityFilter.Clause(conditions: list))
        }
        var order: [Order] = []
        for entry in orders {
            guard let field = entry["field"]?.stringValue, let direction = entry["order"]?.stringValue,
                direction == "asc" || direction == "desc"
            else { return nil }
            order.append(Order(field: field, descending: direction == "desc"))
        }
        var fullText: FullText?
        if let text = json["fullTextFilter"] {
            guard let term = text["term"]?.stringValue, let fields = text["fields"]?.arrayValue else { return nil }
            fullText = FullText(term: term, fields: fields.compactMap(\.stringValue))
        }
        self.init(filter: EntityFilter(clauses: parsed), order: order, fullText: fullText)
    }

    /// Creates a query.
    init(filter: EntityFilter, order: [Order], fullText: FullText?) {
        self.filter = filter
        self.order = order
        self.fullText = fullText
    }
}
