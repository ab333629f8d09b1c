/// Decodes a secret exactly as Node's `Buffer.from(s, 'base64')` decodes a string made of
/// `A–Z a–z 0–9 + / - _` with optional trailing `=`: both alphabets are accepted (even mixed),
/// padding is optional, unused trailing bits are ignored and a dangling final character (length
/// mod 4 of 1) contributes nothing. Characters outside that set are refused rather than skipped.
enum NodeBase64 {
    /// The result of a successful decode.
    struct Decoded: Equatable {
        /// The decoded bytes.
        var bytes: [UInt8]
        /// Whether the text is exactly the standard (padded) or base64url (padded or not) encoding
        /// of `bytes`, i.e. nothing was ignored or spelled unusually.
        var isCanonical: Bool
    }

    /// Why a text is not an acceptable secret.
    enum Failure: Error, Equatable {
        /// A space, tab, newline or other whitespace character.
        case whitespace
        /// An `=` that is followed by something other than `=`.
        case paddingBeforeEnd
        /// Any other character outside the accepted set.
        case invalidCharacter
    }

    /// 6-bit value of each byte in either alphabet, or 0xFF.
    private static let decodeTable: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (value, character) in Base64.alphabet.enumerated() { table[Int(character)] = UInt8(value) }
        table[Int(UInt8(ascii: "-"))] = 62
        table[Int(UInt8(ascii: "_"))] = 63
        return table
    }()

    /// Decodes `text` as Node would, or says why it is refused.
    static func decode(_ text: String) throws(Failure) -> Decoded {
        if text.unicodeScalars.contains(where: \.properties.isWhitespace) { throw .whitespace }
        let characters = Array(text.utf8)
        var end = characters.count
        while end > 0, characters[end - 1] == UInt8(ascii: "=") { end -= 1 }
        var values = [UInt8]()
        values.reserveCapacity(end)
        for character in characters[0..<end] {
            let value = decodeTable[Int(character)]
            if value != 0xFF {
                values.append(value)
                continue
            }
            switch character {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"), 0x0B, 0x0C:
                throw .whitespace
            case UInt8(ascii: "="):
                throw .paddingBeforeEnd
            default:
                throw .invalidCharacter
            }
        }
        var bytes = [UInt8]()
        bytes.reserveCapacity(values.count / 4 * 3 + 2)
        var index = 0
        while index + 4 <= values.count {
            let value =
                UInt32(values[index]) << 18 | UInt32(values[index + 1]) << 12 | UInt32(values[index + 2]) << 6
                | UInt32(values[index + 3])
            bytes.append(UInt8(truncatingIfNeeded: value >> 16))
            bytes.append(UInt8(truncatingIfNeeded: value >> 8))
            bytes.append(UInt8(truncatingIfNeeded: value))
            index += 4
        }
        let remaining = values.count - index
        if remaining >= 2 {
            bytes.append(UInt8(truncatingIfNeeded: UInt32(values[index]) << 2 | UInt32(values[index + 1]) >> 4))
        }
        if remaining == 3 {
            bytes.append(UInt8(truncatingIfNeeded: UInt32(values[index + 1]) << 4 | UInt32(values[index + 2]) >> 2))
        }
        let standard = Base64.encode(bytes)
        let urlSafe = Base64.encode(bytes, alphabet: Base64URL.alphabet, padded: false)
        let urlSafePadded = Base64.encode(bytes, alphabet: Base64URL.alphabet, padded: true)
        let isCanonical = !bytes.isEmpty && (text == standard || text == urlSafe || text == urlSafePadded)
        return Decoded(bytes: bytes, isCanonical: isCanonical)
    }
}
