import BackendJSON

extension JSONValue {
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
        case .int(let number): String(number)
        case .double(let number): Self.yamlNumber(number)
        case .string(let string): Self.yamlScalar(string)
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
                let keyText = Self.yamlScalar(key)
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

    /// A double as YAML: JSON's number text, or `.inf`, `-.inf`, `.nan`, which JSON cannot write.
    private static func yamlNumber(_ value: Double) -> String {
        if value.isNaN { return ".nan" }
        if value.isInfinite { return value < 0 ? "-.inf" : ".inf" }
        return numberText(value)
    }

    /// A string as a YAML scalar: plain when unambiguous, else double-quoted with JSON escapes (which YAML
    /// reads the same way) and invisible characters escaped.
    private static func yamlScalar(_ string: String) -> String {
        isSafePlain(string) ? string : quoted(string, escapingInvisibles: true)
    }

    /// True when `string` can be written as a plain YAML scalar and reads back as the same string.
    private static func isSafePlain(_ string: String) -> Bool {
        guard let first = string.unicodeScalars.first, let last = string.unicodeScalars.last else { return false }
        guard first != " ", last != " ", last != ":" else { return false }
        let firstAllowed =
            first.properties.isAlphabetic || ("0"..."9").contains(first) || "_./$(<".unicodeScalars.contains(first)
        guard firstAllowed else { return false }
        let allowed = "_-./:@+=()<>$~^ ".unicodeScalars
        for scalar in string.unicodeScalars {
            let isAlnum = ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
            guard isAlnum || allowed.contains(scalar) else { return false }
        }
        if string.contains(": ") || string.contains(" #") || string.contains("  ") { return false }
        return CoreSchema.isPlainString(string)
    }
}
