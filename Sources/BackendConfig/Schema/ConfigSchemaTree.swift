/// A ``ConfigSchema`` as a tree of path segments, for walking a config alongside it.
///
/// Every prefix of a declared path is a node (an undeclared prefix is an object with declared keys below it).
/// The children of a node are keyed by segment: a key name, ``ConfigSchema/anyKeySegment`` or
/// ``ConfigSchema/elementSegment``.
struct ConfigSchemaTree: Sendable {
    /// The declaration of this node's path, if it is declared itself.
    var key: ConfigSchema.Key?
    /// The children by segment.
    var children: [String: ConfigSchemaTree] = [:]
    /// The children's segments in declaration order.
    var order: [String] = []

    /// The tree of `schema`'s keys.
    init(_ schema: ConfigSchema) {
        for key in schema.keys {
            insert(key, at: key.segments[...])
        }
    }

    private init() {}

    private mutating func insert(_ declared: ConfigSchema.Key, at segments: ArraySlice<String>) {
        guard let first = segments.first else {
            if key == nil { key = declared }
            return
        }
        if children[first] == nil {
            children[first] = ConfigSchemaTree()
            order.append(first)
        }
        children[first]?.insert(declared, at: segments.dropFirst())
    }

    /// Whether the keys of an object here are checked: some key name (or `*`) is declared below this node.
    var checksKeys: Bool {
        order.contains { $0 != ConfigSchema.elementSegment }
    }

    /// The node for the key `name` of an object here: its own, else `*`'s.
    func child(named name: String) -> ConfigSchemaTree? {
        children[name] ?? children[ConfigSchema.anyKeySegment]
    }

    /// The node for the elements of an array here.
    var element: ConfigSchemaTree? {
        children[ConfigSchema.elementSegment]
    }

    /// The key names declared directly here (not `*` or `[]`), in declaration order.
    var namedChildren: [String] {
        order.filter { $0 != ConfigSchema.anyKeySegment && $0 != ConfigSchema.elementSegment }
    }

    /// The path of every node that ends in a key name (not `[]`), in declaration order, each as its segments.
    func keyPaths(prefix: [String] = []) -> [[String]] {
        var paths: [[String]] = []
        for segment in order {
            guard let child = children[segment] else { continue }
            let path = prefix + [segment]
            if segment != ConfigSchema.elementSegment && segment != ConfigSchema.anyKeySegment {
                paths.append(path)
            }
            paths += child.keyPaths(prefix: path)
        }
        return paths
    }
}
