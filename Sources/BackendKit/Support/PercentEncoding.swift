/// Percent-encoding as JavaScript's `encodeURIComponent` does it, and decoding of path and query components: the
/// framework's one percent coder, for discovery URLs, the service client's queries and a plugin's own paths.
///
/// ```swift
/// PercentEncoding.encodeComponent("a b/c")   // "a%20b%2Fc"
/// PercentEncoding.decode("a%20b%2Fc")        // "a b/c"
/// ```
public enum PercentEncoding {
    /// Characters `encodeURIComponent` leaves alone.
    private static let unreserved: Set<UInt8> = Set(
        Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.!~*'()".utf8)
    )

    /// `value` encoded like `encodeURIComponent(value)`: every byte but letters, digits and `-_.!~*'()` as `%XX`,
    /// so the result is one path segment or query value whatever `value` holds.
    public static func encodeComponent(_ value: String) -> String {
        var result = ""
        result.reserveCapacity(value.utf8.count)
        for byte in value.utf8 {
            if unreserved.contains(byte) {
                result.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                let hex = String(byte, radix: 16, uppercase: true)
                result += hex.count == 1 ? "%0\(hex)" : "%\(hex)"
            }
        }
        return result
    }
}

extension PercentEncoding {
    /// `text` with `%XX` escapes decoded, or nil when an escape is not two hex digits or the decoded bytes are
    /// not UTF-8 (Foundation's `removingPercentEncoding` rules, without its `NSString` round trip).
    public static func decode(_ text: some StringProtocol) -> String? {
        let utf8 = text.utf8
        guard utf8.contains(UInt8(ascii: "%")) else { return String(text) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count)
        var index = utf8.startIndex
        while index != utf8.endIndex {
            let byte = utf8[index]
            index = utf8.index(after: index)
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard index != utf8.endIndex, let high = hexValue(utf8[index]) else { return nil }
            index = utf8.index(after: index)
            guard index != utf8.endIndex, let low = hexValue(utf8[index]) else { return nil }
            index = utf8.index(after: index)
            bytes.append(high << 4 | low)
        }
        // `String(validating:as:)` would say this directly but needs macOS 15; decoding repairs invalid UTF-8 with
        // U+FFFD, so the bytes survive the round trip only when they were valid.
        let decoded = String(decoding: bytes, as: UTF8.self)
        return decoded.utf8.elementsEqual(bytes) ? decoded : nil
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
