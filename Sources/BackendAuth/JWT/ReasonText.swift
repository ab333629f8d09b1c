/// Safe rendering of attacker-controlled text (an `alg` value, a member name) inside a rejection
/// reason: at most ``maximumCharacters`` scalars, quoted, with quotes, backslashes and anything
/// outside printable ASCII escaped, so a reason can never smuggle control characters into logs.
enum ReasonText {
    /// Longer values are cut and marked with `…`.
    static let maximumCharacters = 32

    /// `"value"` escaped and truncated.
    static func quoted(_ value: String) -> String {
        var result = "\""
        var count = 0
        for scalar in value.unicodeScalars {
            if count == maximumCharacters {
                result += "\"…"
                return result
            }
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case " "..."~": result.unicodeScalars.append(scalar)
            default:
                let hex = String(scalar.value, radix: 16, uppercase: true)
                result += "\\u{" + hex + "}"
            }
            count += 1
        }
        return result + "\""
    }
}
