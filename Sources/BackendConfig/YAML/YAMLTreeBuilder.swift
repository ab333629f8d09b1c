import CYAML

/// Builds a `ConfigNode` tree from libyaml events with an explicit stack (no recursion).
struct YAMLTreeBuilder {
    /// A completed node with the bookkeeping needed for aliases.
    private struct Built {
        var node: ConfigNode
        /// Number of nodes in the subtree (counting expanded aliases).
        var size: Int
        /// Nesting height of the subtree (scalars are 0).
        var height: Int
        /// The scalar text when the node is a scalar (used when an alias is a mapping key).
        var scalarText: String?
    }

    /// An open sequence or mapping.
    private struct Frame {
        var isMapping: Bool
        var items: [ConfigNode] = []
        var object = NodeObject()
        var pendingKey: String?
        /// The line of ``pendingKey``: the line its value's source names.
        var pendingKeyLine = 0
        var anchor: String?
        var size = 1
        var height = 1
        var line: Int
        var column: Int
    }

    private let source: ConfigSource
    private var stack: [Frame] = []
    private var anchors: [String: Built] = [:]
    private var expanded = 0
    private var documents = 0

    /// The document root once the document has ended.
    private(set) var root: ConfigNode?

    init(source: ConfigSource) {
        self.source = source
    }

    mutating func handle(_ event: yaml_event_t) throws(ConfigError) {
        let line = Int(event.start_mark.line) + 1
        let column = Int(event.start_mark.column) + 1
        switch event.type {
        case YAML_DOCUMENT_START_EVENT:
            documents += 1
            if documents > 1 {
                throw error(line, column, "multiple YAML documents in one config file are not supported")
            }
        case YAML_SCALAR_EVENT:
            let scalar = event.data.scalar
            let text = Self.string(scalar.value, Int(scalar.length))
            let tag = scalar.tag.map { String(cString: $0) }
            let content: ConfigNode.Content
            switch Self.scalarContent(text, tag: tag, plain: scalar.style == YAML_PLAIN_SCALAR_STYLE) {
            case .success(let typed): content = typed
            case .failure(let failure): throw error(line, column, failure.message)
            }
            let built = Built(
                node: ConfigNode(content, source: source.at(line: line)), size: 1, height: 0, scalarText: text)
            if let anchor = scalar.anchor { anchors[String(cString: anchor)] = built }
            try add(built, line: line, column: column)
        case YAML_ALIAS_EVENT:
            let name = event.data.alias.anchor.map { String(cString: $0) } ?? ""
            guard let built = anchors[name] else { throw error(line, column, "unknown alias '\(name)'") }
            expanded += built.size
            if expanded > YAMLParser.maxAliasExpansion {
                throw ConfigError(
                    "\(source.name):\(line):\(column): alias expansion limit exceeded "
                        + "(more than \(YAMLParser.maxAliasExpansion) nodes)"
                )
            }
            if stack.count + built.height > YAMLParser.maxDepth {
                throw depthError(line, column)
            }
            try add(built, line: line, column: column)
        case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
            let isMapping = event.type == YAML_MAPPING_START_EVENT
            if let top = stack.last, top.isMapping, top.pendingKey == nil {
                throw error(line, column, "complex mapping keys are not supported")
            }
            guard stack.count < YAMLParser.maxDepth else { throw depthError(line, column) }
            let anchor = isMapping ? event.data.mapping_start.anchor : event.data.sequence_start.anchor
            stack.append(
                Frame(isMapping: isMapping, anchor: anchor.map { String(cString: $0) }, line: line, column: column)
            )
        case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
            guard let frame = stack.popLast() else { return }
            let content: ConfigNode.Content = frame.isMapping ? .object(frame.object) : .array(frame.items)
            let built = Built(
                node: ConfigNode(content, source: source.at(line: frame.line)), size: frame.size, height: frame.height)
            if let anchor = frame.anchor { anchors[anchor] = built }
            try add(built, line: frame.line, column: frame.column)
        default:
            break
        }
    }

    private mutating func add(_ built: Built, line: Int, column: Int) throws(ConfigError) {
        guard var frame = stack.popLast() else {
            root = built.node
            return
        }
        defer { stack.append(frame) }
        if frame.isMapping {
            if let key = frame.pendingKey {
                // A value's source names the line of its key (a block value starts on a later line).
                var node = built.node
                node.source = source.at(line: frame.pendingKeyLine)
                frame.object.set(key, node)
                frame.pendingKey = nil
            } else {
                guard let key = built.scalarText else {
                    throw error(line, column, "complex mapping keys are not supported")
                }
                if frame.object[key] != nil {
                    throw error(line, column, "duplicate key '\(key)' in mapping")
                }
                frame.pendingKey = key
                frame.pendingKeyLine = line
                return
            }
        } else {
            frame.items.append(built.node)
        }
        frame.size += built.size
        frame.height = max(frame.height, built.height + 1)
    }

    private func error(_ line: Int, _ column: Int, _ message: String) -> ConfigError {
        ConfigError("\(source.name):\(line):\(column): \(message)")
    }

    private func depthError(_ line: Int, _ column: Int) -> ConfigError {
        error(line, column, "nesting depth limit exceeded (more than \(YAMLParser.maxDepth) levels)")
    }

    private static func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?, _ length: Int) -> String {
        guard let pointer else { return "" }
        return String(decoding: UnsafeBufferPointer(start: pointer, count: length), as: UTF8.self)
    }

    private static let tagPrefix = "tag:yaml.org,2002:"

    /// What each core-schema tag accepts, for the message when a value does not match its tag.
    private static let expectedValue: [String: String] = [
        "null": "null, ~ or nothing", "bool": "true or false", "int": "an integer", "float": "a number",
    ]

    /// Types a scalar: explicit `!!str`/`!` tags and quoted styles are strings; plain scalars use the core
    /// schema; `!!null`, `!!bool`, `!!int` and `!!float` must match their type. A failure message names
    /// the tag and what it expects, never the scalar's text.
    private static func scalarContent(
        _ text: String, tag: String?, plain: Bool
    ) -> Result<ConfigNode.Content, ConfigError> {
        guard let tag else { return .success(plain ? CoreSchema.resolve(text) : .string(text)) }
        if tag == "!" || tag == tagPrefix + "str" { return .success(.string(text)) }
        let resolved = CoreSchema.resolve(text)
        let name = tag.hasPrefix(tagPrefix) ? String(tag.dropFirst(tagPrefix.count)) : ""
        switch (name, resolved) {
        case ("null", .null), ("bool", .bool), ("float", .double), ("int", .int):
            return .success(resolved)
        case ("float", .int(let number)):
            return .success(.double(Double(number)))
        case ("int", .double(let number)) where number.rounded() == number:
            return .success(resolved)
        case ("null", _), ("bool", _), ("int", _), ("float", _):
            // The value itself is never echoed: it may be a secret (`secret: !!int <value>`).
            return .failure(
                ConfigError("value does not match its tag !!\(name) (expected \(expectedValue[name] ?? name))"))
        default:
            return .failure(ConfigError("unsupported tag '\(tag)'"))
        }
    }
}
