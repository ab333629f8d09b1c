/// Text helpers shared by the JSON and YAML printers.
enum ConfigText {
    /// A number as JSON/YAML text: integral values without `.0`.
    static func number(_ value: Double) -> String {
        if value.isNaN { return ".nan" }
        if value.isInfinite { return value < 0 ? "-.inf" : ".inf" }
        if value == value.rounded(), abs(value) < 1e15 {
            return String(Int64(value))
        }
        return "\(value)"
    }

    /// A double-quoted string with JSON escapes (also a valid YAML double-quoted scalar).
    static func quoted(_ string: String) -> String {
        var out = "\""
        out.reserveCapacity(string.utf8.count + 2)
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                let value = scalar.value
                if value < 0x20 || (value >= 0x7F && value <= 0x9F) || value == 0x2028 || value == 0x2029
                    || value == 0xFEFF
                {
                    let hex = String(value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
        return out
    }

    /// A string as a YAML scalar: plain when unambiguous, else double-quoted.
    static func yamlScalar(_ string: String) -> String {
        isSafePlain(string) ? string : quoted(string)
    }

    /// True when `string` can be written as a plain YAML scalar and reads back as the same string.
    static func isSafePlain(_ string: String) -> Bool {
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
