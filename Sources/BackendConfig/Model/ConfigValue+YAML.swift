extension ConfigValue {
    /// Block-style YAML text that parses back to an equal value (ends with a newline).
    ///
    /// Strings are written plain when that is unambiguous under the YAML 1.2 core schema, otherwise
    /// double-quoted; empty objects and arrays print as `{}` and `[]`.
    public func yamlString() -> String {
        yamlLines().joined(separator: "\n") + "\n"
    }

    /// The scalar (or empty-collection) text of this value, or `nil` for a non-empty collection.
    private var inlineYAML: String? {
        switch self {
        case .null: "null"
        case .bool(let bool): bool ? "true" : "false"
        case .number(let number): ConfigText.number(number)
        case .string(let string): ConfigText.yamlScalar(string)
        case .array(let items): items.isEmpty ? "[]" : nil
        case .object(let entries): entries.isEmpty ? "{}" : nil
        }
    }

    private func yamlLines() -> [String] {
        if let inline = inlineYAML { return [inline] }
        var lines: [String] = []
        switch self {
        case .array(let items):
            for item in items {
                if let inline = item.inlineYAML {
                    lines.append("- " + inline)
                } else {
                    for (index, line) in item.yamlLines().enumerated() {
                        lines.append((index == 0 ? "- " : "  ") + line)
                    }
                }
            }
        case .object(let entries):
            for (key, item) in entries {
                let keyText = ConfigText.yamlScalar(key)
                if let inline = item.inlineYAML {
                    lines.append("\(keyText): \(inline)")
                } else {
                    lines.append("\(keyText):")
                    lines.append(contentsOf: item.yamlLines().map { "  " + $0 })
                }
            }
        default:
            break
        }
        return lines
    }
}
