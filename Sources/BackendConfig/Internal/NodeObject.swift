/// An insertion-ordered object of `ConfigNode`s with O(1) lookup.
struct NodeObject: Sendable {
    /// The keys in insertion order.
    private(set) var keys: [String] = []
    private var storage: [String: ConfigNode] = [:]

    init() {}

    /// Number of entries.
    var count: Int { keys.count }

    /// The node stored under `key`.
    subscript(key: String) -> ConfigNode? {
        storage[key]
    }

    /// Sets `key`; a new key is appended, an existing key keeps its position.
    mutating func set(_ key: String, _ node: ConfigNode) {
        if storage.updateValue(node, forKey: key) == nil {
            keys.append(key)
        }
    }

    /// The entries in insertion order.
    var entries: [(String, ConfigNode)] {
        keys.compactMap { key in storage[key].map { (key, $0) } }
    }
}
