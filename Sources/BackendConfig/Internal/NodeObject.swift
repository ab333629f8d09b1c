/// An insertion-ordered object of `ConfigNode`s with O(1) lookup.
struct NodeObject: Sendable {
    /// The keys in insertion order.
    private(set) var keys: [String] = []
    /// The nodes, in the order of `keys`.
    private var nodes: [ConfigNode] = []
    /// Each key's position in `keys` and `nodes`: listing the entries needs no lookups.
    private var positions: [String: Int] = [:]

    init() {}

    /// Number of entries.
    var count: Int { keys.count }

    /// The node stored under `key`.
    subscript(key: String) -> ConfigNode? {
        positions[key].map { nodes[$0] }
    }

    /// Sets `key`; a new key is appended, an existing key keeps its position.
    mutating func set(_ key: String, _ node: ConfigNode) {
        if let position = positions[key] {
            nodes[position] = node
        } else {
            positions[key] = keys.count
            keys.append(key)
            nodes.append(node)
        }
    }

    /// The entries in insertion order.
    var entries: [(String, ConfigNode)] {
        Array(zip(keys, nodes))
    }
}
