import BackendKit
import Foundation

/// The opaque `cursor` of `GET /entities/by-query`: base64 of JSON holding the query, the keyset position (the sort
/// values and uid of the last item of the page before, or the first item of the page after), the direction and the
/// total counted on the first page.
struct EntityCursor: Sendable, Equatable {
    /// Where a page starts: strictly after (or, backwards, before) the item with these sort values and uid.
    struct Position: Sendable, Equatable {
        /// One value per `orderField` (nil where the item has no value).
        let values: [String?]
        /// The item's `metadata.uid`.
        let uid: String
    }

    /// The query this cursor continues.
    let query: EntityQuery
    /// The keyset position.
    let position: Position
    /// Whether the page is the one before `position` (a `prevCursor`).
    let isPrevious: Bool
    /// `totalItems`, counted once for the first page.
    let totalItems: Int

    /// The cursor text.
    var encoded: String {
        let json: JSONValue = .object([
            "query": query.json,
            "orderFieldValues": .array(position.values.map { $0.map(JSONValue.string) ?? .null }),
            "uid": .string(position.uid),
            "isPrevious": .bool(isPrevious),
            "totalItems": .int(totalItems),
        ])
        return Data(json.jsonText().utf8).base64EncodedString()
    }

    /// Creates a cursor.
    init(query: EntityQuery, position: Position, isPrevious: Bool, totalItems: Int) {
        self.query = query
        self.position = position
        self.isPrevious = isPrevious
        self.totalItems = totalItems
    }

    /// The longest cursor text decoded at all; the query inside is then checked against the limits like a request's.
    static let maximumBytes = 1 << 20

    /// Decodes a cursor; throws `InputError` when `text` is not one this catalog issued or carries a query over
    /// `limits` (a cursor is text a caller can forge, so every bound is checked again).
    init(decoding text: String, limits: CatalogLimits) throws(InputError) {
        guard text.utf8.count <= Self.maximumBytes, let data = Data(base64Encoded: text),
            let json = try? JSONValue(parsing: data)
        else {
            throw InputError("Malformed cursor, it is not one that GET /entities/by-query returned")
        }
        guard let query = json["query"].flatMap(EntityQuery.init(json:)),
            let values = json["orderFieldValues"]?.arrayValue, values.count == query.order.count,
            values.allSatisfy({ $0 == .null || $0.stringValue != nil }),
            let uid = json["uid"]?.stringValue, let isPrevious = json["isPrevious"]?.boolValue,
            let totalItems = json["totalItems"]?.intValue, totalItems >= 0
        else {
            throw InputError("Malformed cursor, it is not one that GET /entities/by-query returned")
        }
        try query.check(limits)
        for value in values.compactMap(\.stringValue) { try limits.check(term: value, in: "cursor") }
        try limits.check(term: uid, in: "cursor")
        self.init(
            query: query, position: Position(values: values.map(\.stringValue), uid: uid), isPrevious: isPrevious,
            totalItems: totalItems)
    }
}
