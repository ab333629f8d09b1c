import Foundation

/// Resolution of plain YAML scalars by the YAML 1.2 core schema.
enum CoreSchema {
    /// The typed content of a plain scalar: null, boolean, integer, float, or string.
    static func resolve(_ text: String) -> ConfigNode.Content {
        // Only these first bytes can start a null, a boolean or a number: every other scalar is a string, which is
        // most of a catalog file (names, types, descriptions), and skips the comparisons below.
        guard let first = text.utf8.first else { return .null }
        switch first {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
            UInt8(ascii: "~"), UInt8(ascii: "n"), UInt8(ascii: "N"), UInt8(ascii: "t"), UInt8(ascii: "T"),
            UInt8(ascii: "f"), UInt8(ascii: "F"):
            break
        default: return .string(text)
        }
        let bytes = Array(text.utf8)
        switch text {
        case "null", "Null", "NULL", "~": return .null
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .double(.infinity)
        case "-.inf", "-.Inf", "-.INF": return .double(-.infinity)
        case ".nan", ".NaN", ".NAN": return .double(.nan)
        default: break
        }
        if let integer = integer(bytes) {
            return integer
        }
        if let number = float(bytes, text) {
            return .double(number)
        }
        return .string(text)
    }

    /// True when `text` would be read back as a string when written as a plain scalar.
    static func isPlainString(_ text: String) -> Bool {
        if case .string = resolve(text) { return true }
        return false
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    /// An integer scalar (decimal, `0o` octal or `0x` hex): `.int` when it fits in `Int`, else the nearest
    /// `.double` (as JavaScript reads it).
    private static func integer(_ bytes: [UInt8]) -> ConfigNode.Content? {
        if bytes.count > 2, bytes[0] == 0x30, bytes[1] == 0x6F {  // 0o
            return accumulate(bytes.dropFirst(2), radix: 8)
        }
        if bytes.count > 2, bytes[0] == 0x30, bytes[1] == 0x78 {  // 0x
            return accumulate(bytes.dropFirst(2), radix: 16)
        }
        var digits = bytes[...]
        var negative = false
        if let first = digits.first, first == 0x2B || first == 0x2D {
            negative = first == 0x2D
            digits = digits.dropFirst()
        }
        guard !digits.isEmpty, digits.allSatisfy(isDigit) else { return nil }
        switch accumulate(digits, radix: 10) {
        case .int(let value): return .int(negative ? -value : value)
        case .double:
            // Too large for `Int`: let the standard library round the decimal text correctly.
            return Double(String(decoding: bytes, as: UTF8.self)).map { .double($0) }
        default: return nil
        }
    }

    /// The digits' value in `radix`: `.int` while it fits, else `.double`; `nil` for a digit out of range.
    private static func accumulate(_ digits: ArraySlice<UInt8>, radix: Int) -> ConfigNode.Content? {
        guard !digits.isEmpty else { return nil }
        var exact: Int? = 0
        var approximate = 0.0
        for byte in digits {
            let digit: Int
            switch byte {
            case 0x30...0x39: digit = Int(byte - 0x30)
            case 0x61...0x66: digit = Int(byte - 0x61) + 10
            case 0x41...0x46: digit = Int(byte - 0x41) + 10
            default: return nil
            }
            guard digit < radix else { return nil }
            approximate = approximate * Double(radix) + Double(digit)
            if let current = exact {
                let (shifted, overflowed) = current.multipliedReportingOverflow(by: radix)
                let (sum, carried) = shifted.addingReportingOverflow(digit)
                exact = overflowed || carried ? nil : sum
            }
        }
        return exact.map { .int($0) } ?? .double(approximate)
    }

    /// `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`
    private static func float(_ bytes: [UInt8], _ text: String) -> Double? {
        var index = 0
        if bytes[index] == 0x2B || bytes[index] == 0x2D { index += 1 }
        var mantissaDigits = 0
        while index < bytes.count, isDigit(bytes[index]) {
            index += 1
            mantissaDigits += 1
        }
        if index < bytes.count, bytes[index] == 0x2E {
            index += 1
            var fraction = 0
            while index < bytes.count, isDigit(bytes[index]) {
                index += 1
                fraction += 1
            }
            if mantissaDigits == 0, fraction == 0 { return nil }
            mantissaDigits += fraction
        }
        guard mantissaDigits > 0 else { return nil }
        if index < bytes.count, bytes[index] == 0x65 || bytes[index] == 0x45 {
            index += 1
            if index < bytes.count, bytes[index] == 0x2B || bytes[index] == 0x2D { index += 1 }
            var exponent = 0
            while index < bytes.count, isDigit(bytes[index]) {
                index += 1
                exponent += 1
            }
            guard exponent > 0 else { return nil }
        }
        guard index == bytes.count else { return nil }
        var normalized = text
        if normalized.hasSuffix(".") { normalized += "0" }
        normalized = normalized.replacingOccurrences(of: ".e", with: ".0e")
        normalized = normalized.replacingOccurrences(of: ".E", with: ".0E")
        return Double(normalized)
    }
}
