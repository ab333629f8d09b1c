import OrderedCollections

/// The members of a JSON object: unique names in insertion order, with O(1) lookup.
///
/// Setting an existing name replaces its value in place; setting `nil` removes it. Iteration yields
/// `(key, value)` pairs in order. Equality ignores order, as JSON object equality does.
///
/// ```swift
/// var metadata: JSONObject = ["name": "web"]
/// metadata["namespace"] = "default"
/// metadata.keys  // ["name", "namespace"]
/// ```
public struct JSONObject: Sendable {
    // swift-collections' OrderedDictionary, wrapped so that the public API is this type's alone and plugin
    // code does not need to import OrderedCollections.
    private var storage: OrderedDictionary<String, JSONValue>

    /// An empty object.
    public init() {
        storage = [:]
    }

    /// An object of `members` in order; a repeated name keeps its first position and its last value.
    public init(_ members: some Sequence<(String, JSONValue)>) {
        storage = [:]
        for (key, value) in members {
            storage[key] = value
        }
    }

    /// An object of a dictionary's members, sorted by name (a `Dictionary` has no order of its own to keep).
    public init(_ members: [String: JSONValue]) {
        self.init(members.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
    }

    /// The number of members.
    public var count: Int { storage.count }

    /// True when the object has no members.
    public var isEmpty: Bool { storage.isEmpty }

    /// The member names in order.
    public var keys: [String] { Array(storage.keys) }

    /// The member values in order.
    public var values: [JSONValue] { Array(storage.values) }

    /// The value of member `key`; assigning `nil` removes the member, assigning a new name appends it.
    public subscript(key: String) -> JSONValue? {
        get { storage[key] }
        set { storage[key] = newValue }
    }

    /// Removes member `key` and returns its value, if it was present.
    @discardableResult
    public mutating func removeValue(forKey key: String) -> JSONValue? {
        storage.removeValue(forKey: key)
    }

    /// An object with the same names in the same order and `transform` applied to each value.
    public func mapValues(_ transform: (JSONValue) throws -> JSONValue) rethrows -> JSONObject {
        var result = self
        result.storage = try storage.mapValues(transform)
        return result
    }

    /// The members sorted by name (`String` order, which is what `JSONEncoder`'s `.sortedKeys` uses).
    public func sortedByKey() -> [(key: String, value: JSONValue)] {
        var members: [(key: String, value: JSONValue)] = []
        members.reserveCapacity(count)
        forEachSortedByKey { members.append(($0, $1)) }
        return members
    }

    /// Calls `body` with each member in name order (as ``sortedByKey()`` lists them).
    ///
    /// Sorts positions rather than copies of the members, and skips the sort for members already in order: writing
    /// the bodies of a bulk load with sorted keys spent a third of its time copying members (BENCHMARKS.md, "Bulk
    /// loads").
    func forEachSortedByKey(_ body: (String, JSONValue) throws -> Void) rethrows {
        let keys = storage.keys
        let values = storage.values
        var inOrder = true
        for index in keys.indices.dropFirst() where !(keys[index - 1] < keys[index]) {
            inOrder = false
            break
        }
        if inOrder {
            for index in keys.indices { try body(keys[index], values[index]) }
        } else {
            for index in keys.indices.sorted(by: { keys[$0] < keys[$1] }) { try body(keys[index], values[index]) }
        }
    }
}

extension JSONObject: Sequence {
    /// An iterator over `(key, value)` pairs in order.
    public struct Iterator: IteratorProtocol {
        fileprivate var base: OrderedDictionary<String, JSONValue>.Iterator

        /// The next pair, or `nil` at the end.
        public mutating func next() -> (key: String, value: JSONValue)? {
            guard let element = base.next() else { return nil }
            return (element.key, element.value)
        }
    }

    /// Iterates `(key, value)` pairs in order.
    public func makeIterator() -> Iterator {
        Iterator(base: storage.makeIterator())
    }

    /// The number of members.
    public var underestimatedCount: Int { storage.count }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    /// An object of the literal's members in their order.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(elements)
    }
}

extension JSONObject: Equatable {
    /// Equal when both have the same names with equal values, in any order.
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.storage.count == rhs.storage.count else { return false }
        for (key, value) in lhs.storage {
            guard let other = rhs.storage[key], other == value else { return false }
        }
        return true
    }
}

extension JSONObject: Hashable {
    /// Hashes independently of member order (a commutative combination of per-member hashes).
    public func hash(into hasher: inout Hasher) {
        var combined = 0
        for (key, value) in storage {
            var member = Hasher()
            member.combine(key)
            member.combine(value)
            combined = combined &+ member.finalize()
        }
        hasher.combine(storage.count)
        hasher.combine(combined)
    }
}
