/// How ``JSONValue`` writes JSON text.
public struct JSONWriteOptions: OptionSet, Sendable, Hashable {
    /// The raw option bits.
    public let rawValue: Int

    /// Creates options from raw bits.
    public init(rawValue: Int) {
        self.rawValue = rawValue
    }

    /// Object members in `String` order (as `JSONEncoder`'s `.sortedKeys`) instead of insertion order.
    /// HTTP bodies use it, so responses are deterministic.
    public static let sortedKeys = JSONWriteOptions(rawValue: 1 << 0)
    /// Two-space indentation, one member or element per line, `": "` after names.
    public static let prettyPrinted = JSONWriteOptions(rawValue: 1 << 1)
    /// Also escape characters that are invisible or unsafe in terminals and YAML (DEL, C1 controls,
    /// U+2028, U+2029, U+FEFF) as `\uXXXX`. Config output uses it; HTTP bodies do not, matching `JSONEncoder`.
    public static let escapingInvisibles = JSONWriteOptions(rawValue: 1 << 2)
}

extension JSONValue {
    /// The value as JSON bytes.
    ///
    /// Strings escape `"`, `\`, and control characters (`\b \f \n \r \t`, else `\u00XX`); slashes are not
    /// escaped. Integers print exactly, doubles in Swift's shortest round-trip form without a trailing `.0`
    /// (`3`, `0.1`, `1e+20`), and non-finite doubles as `null`, as JavaScript's `JSON.stringify` does. With
    /// `.sortedKeys` the bytes equal `JSONEncoder`'s with `[.sortedKeys, .withoutEscapingSlashes]`; the writer
    /// exists because `JSONEncoder`'s boxing was the largest cost of a catalog read (BENCHMARKS.md).
    ///
    /// ```swift
    /// JSONValue.array([1, 2.5, nil]).jsonBytes()  // [1,2.5,null]
    /// ```
    public func jsonBytes(options: JSONWriteOptions = []) -> [UInt8] {
        var output: [UInt8] = []
        write(into: &output, options: options)
        return output
    }

    /// The value as JSON text (see ``jsonBytes(options:)``).
    ///
    /// ```swift
    /// let value: JSONValue = ["b": 1, "a": true]
    /// value.jsonText()                       // {"b":1,"a":true}
    /// value.jsonText(options: .sortedKeys)   // {"a":true,"b":1}
    /// ```
    public func jsonText(options: JSONWriteOptions = []) -> String {
        String(decoding: jsonBytes(options: options), as: UTF8.self)
    }

    /// Appends the value's JSON bytes to `output` (see ``jsonBytes(options:)``).
    public func write(into output: inout [UInt8], options: JSONWriteOptions = []) {
        write(into: &output, options: options, indent: 0)
    }

    /// The JSON text of a double: the shortest text that reads back as the same value, without a trailing `.0`
    /// (`3`, `0.1`, `1e+20`), and `null` when not finite. The one number formatter of the framework (config output, HTTP bodies, filter matching).
    public static func numberText(_ value: Double) -> String {
        guard value.isFinite else { return "null" }
        // Swift's shortest round-trip text is what JSONEncoder writes (`1e+16`, `0.1`); only `.0` is dropped.
        let text = value.description
        return text.hasSuffix(".0") ? String(text.dropLast(2)) : text
    }

    /// `string` as a double-quoted JSON string (also a valid YAML double-quoted scalar with
    /// `escapingInvisibles`). The one string escaper of the framework.
    public static func quoted(_ string: String, escapingInvisibles: Bool = false) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(string.utf8.count + 2)
        writeQuoted(string, into: &output, escapingInvisibles: escapingInvisibles)
        return String(decoding: output, as: UTF8.self)
    }

    private func write(into output: inout [UInt8], options: JSONWriteOptions, indent: Int) {
        switch self {
        case .null:
            output.append(contentsOf: "null".utf8)
        case .bool(let value):
            output.append(contentsOf: (value ? "true" : "false").utf8)
        case .int(let value):
            output.append(contentsOf: String(value).utf8)
        case .double(let value):
            output.append(contentsOf: Self.numberText(value).utf8)
        case .string(let value):
            Self.writeQuoted(value, into: &output, escapingInvisibles: options.contains(.escapingInvisibles))
        case .array(let elements):
            guard !elements.isEmpty else {
                output.append(contentsOf: "[]".utf8)
                return
            }
            output.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                Self.newline(into: &output, options: options, indent: indent + 2)
                element.write(into: &output, options: options, indent: indent + 2)
            }
            Self.newline(into: &output, options: options, indent: indent)
            output.append(UInt8(ascii: "]"))
        case .object(let members):
            guard !members.isEmpty else {
                output.append(contentsOf: "{}".utf8)
                return
            }
            output.append(UInt8(ascii: "{"))
            var first = true
            func member(_ key: String, _ value: JSONValue) {
                if !first { output.append(UInt8(ascii: ",")) }
                first = false
                Self.newline(into: &output, options: options, indent: indent + 2)
                Self.writeQuoted(key, into: &output, escapingInvisibles: options.contains(.escapingInvisibles))
                output.append(UInt8(ascii: ":"))
                if options.contains(.prettyPrinted) { output.append(UInt8(ascii: " ")) }
                value.write(into: &output, options: options, indent: indent + 2)
            }
            if options.contains(.sortedKeys) {
                members.forEachSortedByKey(member)
            } else {
                for (key, value) in members { member(key, value) }
            }
            Self.newline(into: &output, options: options, indent: indent)
            output.append(UInt8(ascii: "}"))
        }
    }

    private static func newline(into output: inout [UInt8], options: JSONWriteOptions, indent: Int) {
        guard options.contains(.prettyPrinted) else { return }
        output.append(UInt8(ascii: "\n"))
        output.append(contentsOf: repeatElement(UInt8(ascii: " "), count: indent))
    }

    /// Writes `string` in double quotes, copying runs that need no escape in one go.
    private static func writeQuoted(_ string: String, into output: inout [UInt8], escapingInvisibles: Bool) {
        var string = string
        output.append(UInt8(ascii: "\""))
        string.withUTF8 { bytes in
            var runStart = 0
            var index = 0
            while index < bytes.count {
                let byte = bytes[index]
                let escapedScalar: UInt32?
                let length: Int
                if byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                    (escapedScalar, length) = (UInt32(byte), 1)
                } else if escapingInvisibles, let (scalar, count) = invisibleScalar(in: bytes, at: index) {
                    (escapedScalar, length) = (scalar, count)
                } else {
                    index += 1
                    continue
                }
                if runStart < index {
                    output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
                }
                if let escapedScalar { writeEscape(for: escapedScalar, into: &output) }
                index += length
                runStart = index
            }
            if runStart < bytes.count { output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...])) }
        }
        output.append(UInt8(ascii: "\""))
    }

    /// DEL, a C1 control (UTF-8 `C2 80`–`C2 9F`), U+2028, U+2029 or U+FEFF starting at `index`, with its length.
    private static func invisibleScalar(in bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> (UInt32, Int)? {
        let byte = bytes[index]
        if byte == 0x7F { return (0x7F, 1) }
        if byte == 0xC2, index + 1 < bytes.count, (0x80...0x9F).contains(bytes[index + 1]) {
            return (UInt32(bytes[index + 1]), 2)
        }
        if byte == 0xE2, index + 2 < bytes.count, bytes[index + 1] == 0x80,
            bytes[index + 2] == 0xA8 || bytes[index + 2] == 0xA9
        {
            return (0x2000 | UInt32(bytes[index + 2] - 0x80), 3)
        }
        if byte == 0xEF, index + 2 < bytes.count, bytes[index + 1] == 0xBB, bytes[index + 2] == 0xBF {
            return (0xFEFF, 3)
        }
        return nil
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    private static func writeEscape(for scalar: UInt32, into output: inout [UInt8]) {
        switch scalar {
        case 0x22: output.append(contentsOf: #"\""#.utf8)
        case 0x5C: output.append(contentsOf: #"\\"#.utf8)
        case 0x0A: output.append(contentsOf: #"\n"#.utf8)
        case 0x0D: output.append(contentsOf: #"\r"#.utf8)
        case 0x09: output.append(contentsOf: #"\t"#.utf8)
        case 0x08: output.append(contentsOf: #"\b"#.utf8)
        case 0x0C: output.append(contentsOf: #"\f"#.utf8)
        default:
            output.append(contentsOf: #"\u"#.utf8)
            for shift in stride(from: 12, through: 0, by: -4) {
                output.append(hexDigits[Int((scalar >> UInt32(shift)) & 0xF)])
            }
        }
    }
}
