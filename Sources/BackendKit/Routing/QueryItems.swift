import Foundation

/// The query string of a request as decoded name/value pairs: names and values percent-decoded,
/// `+` read as a space, order kept (so `types[0]` and `types%5B0%5D` are the same name).
///
/// ```swift
/// let filters = QueryItems(request.uri.query).values("filter")
/// ```
public struct QueryItems: Sendable, Equatable {
    /// Every pair, in order.
    public let items: [(name: String, value: String)]

    /// Parses a raw query string (without `?`); nil or empty gives no items.
    public init(_ query: String?) {
        guard let query, !query.isEmpty else {
            items = []
            return
        }
        items = query.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            if let equals = pair.firstIndex(of: "=") {
                return (Self.decode(pair[..<equals]), Self.decode(pair[pair.index(after: equals)...]))
            }
            return (Self.decode(pair), "")
        }
    }

    /// Every value of `name`.
    public func values(_ name: String) -> [String] {
        items.filter { $0.name == name }.map(\.value)
    }

    /// The first value of `name`.
    public func first(_ name: String) -> String? {
        items.first { $0.name == name }?.value
    }

    /// Compares the pairs.
    public static func == (lhs: QueryItems, rhs: QueryItems) -> Bool {
        lhs.items.map(\.name) == rhs.items.map(\.name) && lhs.items.map(\.value) == rhs.items.map(\.value)
    }

    private static func decode(_ text: Substring) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return PercentEncoding.decode(spaced) ?? spaced
    }
}
