import CYAML

/// Parses YAML (and JSON, which is YAML's flow style) into a `ConfigNode` tree through libyaml's event API.
///
/// - Plain scalars are typed by the YAML 1.2 core schema (`true`/`True`/`TRUE`, `null`/`~`/empty,
///   decimal, `0x` and `0o` integers, floats, `.inf`, `.nan`); quoted and block scalars are strings.
/// - Anchors and aliases are supported; aliases share storage, and the number of nodes that alias
///   expansion adds is capped at `maxAliasExpansion`, so a "billion laughs" document fails immediately.
/// - Nesting deeper than `maxDepth` is an error (the builder is iterative, so depth never exhausts the stack).
/// - Duplicate keys in one mapping, multiple documents, complex (non-scalar) keys and unknown tags are errors.
///
/// Error messages are `<source>:<line>:<column>: <problem>` with 1-based positions.
struct YAMLParser {
    /// Maximum number of nodes alias expansion may add to one document.
    static let maxAliasExpansion = 100_000
    /// Maximum nesting depth of mappings and sequences.
    static let maxDepth = 512

    /// Name used for node sources and in messages.
    let source: ConfigSource

    init(source: ConfigSource) {
        self.source = source
    }

    /// Parses `bytes`. An empty stream (or a `null` document) yields an empty object when `requireObject` is
    /// set; a root that is not a mapping is then `<source>: expected object at config root`.
    func parse(_ bytes: [UInt8], requireObject: Bool) throws(ConfigError) -> ConfigNode {
        let root: ConfigNode?
        if bytes.isEmpty {
            root = nil
        } else {
            root = try bytes.withUnsafeBufferPointer { (buffer) throws(ConfigError) -> ConfigNode? in
                guard let base = buffer.baseAddress else { return nil }
                return try parseEvents(base, count: buffer.count, bytes: bytes)
            }
        }
        guard let root else {
            return requireObject ? ConfigNode(.object(NodeObject()), source: source) : ConfigNode(.null, source: source)
        }
        guard requireObject else { return root }
        switch root.content {
        case .object: return root
        case .null: return ConfigNode(.object(NodeObject()), source: source)
        default: throw ConfigError("\(source.name): expected object at config root")
        }
    }

    private func parseEvents(
        _ base: UnsafePointer<UInt8>, count: Int, bytes: [UInt8]
    ) throws(ConfigError) -> ConfigNode? {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else {
            throw ConfigError("\(source.name): could not initialize the YAML parser")
        }
        defer { yaml_parser_delete(&parser) }
        yaml_parser_set_input_string(&parser, base, count)

        var builder = YAMLTreeBuilder(source: source)
        while true {
            var event = yaml_event_t()
            guard yaml_parser_parse(&parser, &event) == 1 else {
                throw parserError(parser, bytes: bytes)
            }
            defer { yaml_event_delete(&event) }
            if event.type == YAML_STREAM_END_EVENT { break }
            try builder.handle(event)
        }
        return builder.root
    }

    /// `<source>:<line>:<column>: <problem>` for a libyaml failure (1-based positions).
    func parserError(_ parser: yaml_parser_t, bytes: [UInt8]) -> ConfigError {
        let problem = parser.problem.map { String(cString: $0) } ?? "invalid YAML"
        var line = Int(parser.problem_mark.line) + 1
        var column = Int(parser.problem_mark.column) + 1
        if parser.error == YAML_READER_ERROR {
            let offset = min(Int(parser.problem_offset), bytes.count)
            line = 1
            column = 1
            for byte in bytes[0..<offset] {
                if byte == 0x0A {
                    line += 1
                    column = 1
                } else if byte & 0xC0 != 0x80 {
                    column += 1
                }
            }
        }
        return ConfigError("\(source.name):\(line):\(column): \(problem)")
    }
}
