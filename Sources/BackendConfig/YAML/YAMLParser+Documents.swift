import BackendJSON
import CYAML

extension ConfigLoader {
    /// Parses a YAML stream of one or more documents (separated by `---`), such as a catalog file of
    /// Backstage entities, into one value per document (an empty document is `null`). No
    /// substitutions or directives are applied.
    ///
    /// The same rules as single-document parsing apply to each document: YAML 1.2 core-schema
    /// scalars, anchors and aliases (scoped to their document, with the expansion limit), duplicate
    /// keys refused.
    ///
    /// - Throws: `ConfigError` with `<source>:<line>:<column>: <problem>` for malformed text.
    public static func parseDocuments(yaml text: String, source: String = "<memory>") throws -> [JSONValue] {
        try YAMLParser(source: ConfigSource(name: source)).parseDocuments(Array(text.utf8))
            .map { $0.toValue(keepingNulls: true) ?? .null }
    }
}

extension YAMLParser {
    /// Parses every document of `bytes`; an empty stream has no documents.
    func parseDocuments(_ bytes: [UInt8]) throws(ConfigError) -> [ConfigNode] {
        guard !bytes.isEmpty else { return [] }
        return try bytes.withUnsafeBufferPointer { (buffer) throws(ConfigError) -> [ConfigNode] in
            guard let base = buffer.baseAddress else { return [] }
            var parser = yaml_parser_t()
            guard yaml_parser_initialize(&parser) == 1 else {
                throw ConfigError("\(source.name): could not initialize the YAML parser")
            }
            defer { yaml_parser_delete(&parser) }
            yaml_parser_set_input_string(&parser, base, buffer.count)

            var documents: [ConfigNode] = []
            var builder: YAMLTreeBuilder?
            while true {
                var event = yaml_event_t()
                guard yaml_parser_parse(&parser, &event) == 1 else {
                    throw parserError(parser, bytes: bytes)
                }
                defer { yaml_event_delete(&event) }
                switch event.type {
                case YAML_STREAM_END_EVENT:
                    return documents
                case YAML_DOCUMENT_START_EVENT:
                    builder = YAMLTreeBuilder(source: source)
                    try builder?.handle(event)
                case YAML_DOCUMENT_END_EVENT:
                    documents.append(builder?.root ?? ConfigNode(.null, source: source))
                    builder = nil
                default:
                    try builder?.handle(event)
                }
            }
        }
    }
}
