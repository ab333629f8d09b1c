/// A key in the config that no schema declares, under a root some schema declares.
///
/// Its ``description`` is the message `config check` and the host print:
/// `Unknown key 'backend.auth.keyz' in app-config.local.yaml:3; did you mean 'backend.auth.keys'?`
public struct UnknownConfigKey: Sendable, Equatable, CustomStringConvertible {
    /// The full key as written, array elements by index: `backend.auth.keys[0].secrett`.
    public let key: String
    /// Where the key is written: its file and line, or the `APP_CONFIG_` variable that set it.
    public let source: ConfigSource
    /// The declared key the user probably meant (a near miss of the name, or the same name one level up or
    /// down), written like ``key``; `nil` when none is close.
    public let suggestion: String?

    /// Creates a report (``ConfigSchema/unknownKeys(in:)`` makes these).
    public init(key: String, source: ConfigSource, suggestion: String?) {
        self.key = key
        self.source = source
        self.suggestion = suggestion
    }

    /// `Unknown key '<key>' in <file>:<line>` (or the variable), then `; did you mean '<suggestion>'?` when there is
    /// one.
    public var description: String {
        let message = "Unknown key '\(key)' in \(source.location)"
        guard let suggestion else { return message }
        return "\(message); did you mean '\(suggestion)'?"
    }

    /// Whether the key, or the key suggested for it, lies at or below `path` (`backend.auth`): a key dedented out of
    /// a section is as much that section's typo as a misspelled key inside it.
    public func concerns(_ path: String) -> Bool {
        [key, suggestion].contains { candidate in
            guard let candidate, candidate.hasPrefix(path) else { return false }
            let rest = candidate.dropFirst(path.count)
            return rest.isEmpty || rest.hasPrefix(".") || rest.hasPrefix("[")
        }
    }
}

extension ConfigSchema {
    /// Every key of the root config `config` under a declared root that this schema does not declare, in config
    /// order.
    ///
    /// Each is reported once, at the outermost unknown key (the keys below it are not listed). Keys whose value is
    /// `null` or absent (a missing environment variable) are reported too: the key is written all the same.
    public func unknownKeys(in config: Config) -> [UnknownConfigKey] {
        let tree = ConfigSchemaTree(self)
        guard case .object(let root) = config.node.content else { return [] }
        var walker = UnknownKeyWalker(tree: tree)
        for (name, child) in root.entries {
            // Only declared roots are checked; other top-level sections are someone else's.
            guard let node = tree.children[name] else { continue }
            walker.walk(child, node: node, path: [.key(name)])
        }
        return walker.found
    }
}

/// Walks a config tree alongside a ``ConfigSchemaTree``, collecting unknown keys with suggestions.
struct UnknownKeyWalker {
    /// One step of a path in the config.
    enum Part: Equatable {
        case key(String)
        case index(Int)

        /// The schema segment this step matches literally: the name, or `[]` for an index.
        var segment: String {
            switch self {
            case .key(let name): name
            case .index: ConfigSchema.elementSegment
            }
        }
    }

    let tree: ConfigSchemaTree
    /// The paths of every declared key, for suggestions (computed once, when first needed).
    private var declaredPaths: [[String]]?
    private(set) var found: [UnknownConfigKey] = []

    init(tree: ConfigSchemaTree) {
        self.tree = tree
    }

    mutating func walk(_ value: ConfigNode, node: ConfigSchemaTree, path: [Part]) {
        switch value.content {
        case .object(let object):
            guard node.checksKeys else { return }
            for (name, child) in object.entries {
                let childPath = path + [.key(name)]
                if let childNode = node.child(named: name) {
                    walk(child, node: childNode, path: childPath)
                } else {
                    found.append(
                        UnknownConfigKey(
                            key: Self.render(childPath), source: child.source,
                            suggestion: suggestion(for: childPath, siblings: node.namedChildren)))
                }
            }
        case .array(let items):
            guard let element = node.element else { return }
            for (index, item) in items.enumerated() {
                walk(item, node: element, path: path + [.index(index)])
            }
        default:
            return
        }
    }

    /// `backend.auth.keys[0].secret`.
    static func render(_ path: [Part]) -> String {
        var text = ""
        for part in path {
            switch part {
            case .key(let name): text += text.isEmpty ? name : ".\(name)"
            case .index(let index): text += "[\(index)]"
            }
        }
        return text
    }

    /// The declared key `path` probably means: a sibling whose name is a near miss, else a declared key of the same
    /// name in the same root one or two levels up or down (keys dedented or indented by mistake).
    private mutating func suggestion(for path: [Part], siblings: [String]) -> String? {
        guard case .key(let name)? = path.last else { return nil }
        let parent = Array(path.dropLast())
        if let sibling = Self.nearest(name, among: siblings) {
            return Self.render(parent + [.key(sibling)])
        }
        if declaredPaths == nil { declaredPaths = tree.keyPaths() }
        let wanted = path.map(\.segment).filter { $0 != ConfigSchema.elementSegment }
        var best: (distance: Int, path: [String])?
        for candidate in declaredPaths ?? [] {
            guard candidate.first == wanted.first, let last = candidate.last,
                last.lowercased() == name.lowercased()
            else { continue }
            let keys = candidate.filter { $0 != ConfigSchema.elementSegment }
            let distance = Self.segmentDistance(wanted, keys)
            guard distance > 0, distance <= 2, distance < (best?.distance ?? .max) else { continue }
            best = (distance, candidate)
        }
        return best.map { Self.render(suggested: $0.path, alignedWith: path) }
    }

    /// The name among `names` closest to `name` (letter case ignored), if it is close enough: at most a third of
    /// the name's letters (at least 1, at most 3) inserted, removed, changed or swapped with a neighbour.
    static func nearest(_ name: String, among names: [String]) -> String? {
        let limit = max(1, min(3, name.count / 3))
        var best: (distance: Int, name: String)?
        for candidate in names {
            let distance = editDistance(Array(name.lowercased()), Array(candidate.lowercased()))
            guard distance <= limit, distance < (best?.distance ?? .max) else { continue }
            best = (distance, candidate)
        }
        return best?.name
    }

    /// The optimal-string-alignment distance: insertions, deletions, substitutions and swaps of neighbours.
    static func editDistance<Element: Equatable>(_ a: [Element], _ b: [Element]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previousPrevious = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    current[j] = min(current[j], previousPrevious[j - 2] + 1)
                }
            }
            (previousPrevious, previous, current) = (previous, current, previousPrevious)
        }
        return previous[b.count]
    }

    /// The edit distance between two key paths, counted in whole segments; `*` in `declared` matches any name.
    static func segmentDistance(_ written: [String], _ declared: [String]) -> Int {
        let anyKey = ConfigSchema.anyKeySegment
        let normalized = declared.enumerated().map { index, segment in
            segment == anyKey && index < written.count ? written[index] : segment
        }
        return editDistance(written.map { $0.lowercased() }, normalized.map { $0.lowercased() })
    }

    /// `suggested` (schema segments) written like `path`: as long as the two agree, `path`'s own names and indices
    /// are used (so `keys[0]` stays `keys[0]`); after that the declared segments (`[]` for any element).
    static func render(suggested: [String], alignedWith path: [Part]) -> String {
        var parts: [String] = []
        var aligned = true
        for (index, segment) in suggested.enumerated() {
            if aligned, index < path.count {
                let part = path[index]
                let matches =
                    part.segment == segment
                    || (segment == ConfigSchema.anyKeySegment && part.segment != ConfigSchema.elementSegment)
                if matches {
                    parts.append(render([part]))
                    continue
                }
            }
            aligned = false
            parts.append(segment)
        }
        var text = ""
        for part in parts {
            if part.hasPrefix("[") {
                text += part
            } else {
                text += text.isEmpty ? part : ".\(part)"
            }
        }
        return text
    }
}
