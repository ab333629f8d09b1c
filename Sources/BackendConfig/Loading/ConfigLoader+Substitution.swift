import Foundation

extension ConfigLoader {
    /// The result of substituting variables in a string.
    enum Substitution: Equatable {
        case value(String)
        /// The string referenced a missing variable (the first one is named).
        case missing(variable: String)
    }

    /// Replaces `${VAR}` and `${VAR:-default}` (names trimmed; the default applies when the variable is
    /// unset or empty) and turns `$${…}` into a literal `${…}`, as Backstage's `\$?\$\{[^{}]*\}` tokens do.
    func substitute(_ text: String) -> Substitution {
        guard text.contains("${") else { return .value(text) }
        let bytes = Array(text.utf8)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var missing: String?
        var index = 0
        while index < bytes.count {
            let escaped =
                bytes[index] == 0x24 && index + 2 < bytes.count && bytes[index + 1] == 0x24
                && bytes[index + 2] == 0x7B
            let plain = bytes[index] == 0x24 && index + 1 < bytes.count && bytes[index + 1] == 0x7B
            guard escaped || plain else {
                output.append(bytes[index])
                index += 1
                continue
            }
            let open = escaped ? index + 2 : index + 1
            guard let close = Self.closingBrace(bytes, after: open) else {
                output.append(bytes[index])
                index += 1
                continue
            }
            if escaped {
                output.append(contentsOf: bytes[(index + 1)...close])
            } else {
                let inner = String(decoding: bytes[(open + 1)..<close], as: UTF8.self)
                if let value = resolveVariable(inner) {
                    output.append(contentsOf: value.utf8)
                } else if missing == nil {
                    missing = variableName(inner)
                }
            }
            index = close + 1
        }
        if let missing { return .missing(variable: missing) }
        return .value(String(decoding: output, as: UTF8.self))
    }

    /// The index of the `}` closing the `{` at `open`, if no `{` or `}` intervenes.
    private static func closingBrace(_ bytes: [UInt8], after open: Int) -> Int? {
        var index = open + 1
        while index < bytes.count {
            if bytes[index] == 0x7D { return index }
            if bytes[index] == 0x7B { return nil }
            index += 1
        }
        return nil
    }

    private func variableName(_ inner: String) -> String {
        let name = inner.range(of: ":-").map { String(inner[..<$0.lowerBound]) } ?? inner
        return name.trimmingCharacters(in: .whitespaces)
    }

    private func resolveVariable(_ inner: String) -> String? {
        let name = variableName(inner)
        guard let separator = inner.range(of: ":-") else { return environment[name] }
        if let value = environment[name], !value.isEmpty { return value }
        return String(inner[separator.upperBound...])
    }
}
