import Hummingbird

extension JSONValue {
    /// Writes the value as compact JSON into `buffer`: object keys sorted, slashes unescaped.
    ///
    /// The bytes are the ones Foundation's `JSONEncoder` produces with `[.sortedKeys, .withoutEscapingSlashes]`
    /// (keys in `String` order, `\b \f \n \r \t \" \\` and `\u00XX` escapes for other control characters,
    /// integral doubles without `.0`), written without `Codable`'s boxing, which made `JSONEncoder` the largest
    /// cost of a catalog read. Non-finite doubles (YAML `.inf`, `.nan`) have no JSON form: they are written as
    /// `null`, as JavaScript's `JSON.stringify` writes them, where `JSONEncoder` would throw.
    ///
    /// ```swift
    /// var buffer = ByteBuffer()
    /// JSONValue.object(["name": .string("web")]).writeJSON(into: &buffer)  // {"name":"web"}
    /// ```
    public func writeJSON(into buffer: inout ByteBuffer) {
        switch self {
        case .null:
            buffer.writeStaticString("null")
        case .bool(let value):
            buffer.writeStaticString(value ? "true" : "false")
        case .int(let value):
            buffer.writeString(String(value))
        case .double(let value):
            Self.writeNumber(value, into: &buffer)
        case .string(let value):
            Self.writeQuoted(value, into: &buffer)
        case .array(let elements):
            buffer.writeInteger(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { buffer.writeInteger(UInt8(ascii: ",")) }
                element.writeJSON(into: &buffer)
            }
            buffer.writeInteger(UInt8(ascii: "]"))
        case .object(let members):
            buffer.writeInteger(UInt8(ascii: "{"))
            var first = true
            for (key, member) in members.sorted(by: { $0.key < $1.key }) {
                if !first { buffer.writeInteger(UInt8(ascii: ",")) }
                first = false
                Self.writeQuoted(key, into: &buffer)
                buffer.writeInteger(UInt8(ascii: ":"))
                member.writeJSON(into: &buffer)
            }
            buffer.writeInteger(UInt8(ascii: "}"))
        }
    }

    /// The value as compact JSON bytes (see ``writeJSON(into:)``).
    public var jsonBuffer: ByteBuffer {
        var buffer = ByteBuffer()
        writeJSON(into: &buffer)
        return buffer
    }

    /// The value as compact JSON text (see ``writeJSON(into:)``).
    ///
    /// ```swift
    /// JSONValue.array([.int(1), .double(2.5), .null]).jsonText  // [1,2.5,null]
    /// ```
    public var jsonText: String {
        String(buffer: jsonBuffer)
    }

    private static func writeNumber(_ value: Double, into buffer: inout ByteBuffer) {
        guard value.isFinite else {
            buffer.writeStaticString("null")
            return
        }
        let text = value.description
        if text.hasSuffix(".0") {
            buffer.writeString(String(text.dropLast(2)))
        } else {
            buffer.writeString(text)
        }
    }

    /// Writes `string` in double quotes, copying runs that need no escape in one go.
    private static func writeQuoted(_ string: String, into buffer: inout ByteBuffer) {
        var string = string
        buffer.writeInteger(UInt8(ascii: "\""))
        string.withUTF8 { bytes in
            var runStart = 0
            for index in bytes.indices {
                let byte = bytes[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                if runStart < index {
                    buffer.writeBytes(UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
                }
                runStart = index + 1
                writeEscape(for: byte, into: &buffer)
            }
            if runStart < bytes.count {
                buffer.writeBytes(UnsafeBufferPointer(rebasing: bytes[runStart...]))
            }
        }
        buffer.writeInteger(UInt8(ascii: "\""))
    }

    private static func writeEscape(for byte: UInt8, into buffer: inout ByteBuffer) {
        switch byte {
        case UInt8(ascii: "\""): buffer.writeStaticString("\\\"")
        case UInt8(ascii: "\\"): buffer.writeStaticString("\\\\")
        case UInt8(ascii: "\n"): buffer.writeStaticString("\\n")
        case UInt8(ascii: "\r"): buffer.writeStaticString("\\r")
        case UInt8(ascii: "\t"): buffer.writeStaticString("\\t")
        case 0x08: buffer.writeStaticString("\\b")
        case 0x0C: buffer.writeStaticString("\\f")
        default:
            let hex: StaticString = "0123456789abcdef"
            buffer.writeStaticString("\\u00")
            hex.withUTF8Buffer { digits in
                buffer.writeInteger(digits[Int(byte >> 4)])
                buffer.writeInteger(digits[Int(byte & 0x0F)])
            }
        }
    }
}
