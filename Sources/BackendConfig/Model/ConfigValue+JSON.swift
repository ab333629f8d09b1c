extension ConfigValue {
    /// JSON text with keys in insertion order; integral numbers print without `.0`.
    ///
    /// Compact by default; `pretty` indents by two spaces. Non-finite numbers (YAML `.inf`, `.nan`) have no
    /// JSON form and print as `null`.
    public func jsonString(pretty: Bool = false) -> String {
        var out = ""
        writeJSON(into: &out, pretty: pretty, indent: 0)
        return out
    }

    private func writeJSON(into out: inout String, pretty: Bool, indent: Int) {
        switch self {
        case .null:
            out += "null"
        case .bool(let bool):
            out += bool ? "true" : "false"
        case .number(let number):
            out += number.isFinite ? ConfigText.number(number) : "null"
        case .string(let string):
            out += ConfigText.quoted(string)
        case .array(let items):
            guard !items.isEmpty else {
                out += "[]"
                return
            }
            out += "["
            for (index, item) in items.enumerated() {
                if index > 0 { out += "," }
                if pretty { out += "\n" + String(repeating: " ", count: indent + 2) }
                item.writeJSON(into: &out, pretty: pretty, indent: indent + 2)
            }
            if pretty { out += "\n" + String(repeating: " ", count: indent) }
            out += "]"
        case .object(let entries):
            guard !entries.isEmpty else {
                out += "{}"
                return
            }
            out += "{"
            for (index, (key, item)) in entries.enumerated() {
                if index > 0 { out += "," }
                if pretty { out += "\n" + String(repeating: " ", count: indent + 2) }
                out += ConfigText.quoted(key)
                out += pretty ? ": " : ":"
                item.writeJSON(into: &out, pretty: pretty, indent: indent + 2)
            }
            if pretty { out += "\n" + String(repeating: " ", count: indent) }
            out += "}"
        }
    }
}
