/// Strict base64url (RFC 4648 §5) as JWS compact serialization requires (RFC 7515 §2): URL-safe
/// alphabet, no padding, and canonical (unused trailing bits zero, length mod 4 never 1).
enum Base64URL {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// Why a segment is not canonical base64url.
    enum DecodingError: Error, Equatable {
        /// An `=` character.
        case padding
        /// A `+` or `/` (the standard alphabet).
        case standardAlphabet
        /// Any other character outside the base64url alphabet.
        case invalidCharacter
        /// Length mod 4 is 1: no byte string encodes to that.
        case impossibleLength
        /// The bits after the last full byte are not zero.
        case nonZeroUnusedBits
    }

    /// 6-bit value of each byte, or 0xFF when the byte is not in the base64url alphabet.
    static let decodeTable: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (value, character) in alphabet.enumerated() { table[Int(character)] = UInt8(value) }
        return table
    }()

    /// Unpadded base64url of `bytes`.
    static func encode(_ bytes: [UInt8]) -> String {
        Base64.encode(bytes, alphabet: alphabet, padded: false)
    }

    /// Unpadded base64url of the UTF-8 bytes of `text`.
    static func encode(_ text: String) -> String {
        encode(Array(text.utf8))
    }

    /// Decodes a canonical unpadded base64url segment, rejecting anything else.
    static func decode(_ input: UnsafeBufferPointer<UInt8>) throws(DecodingError) -> [UInt8] {
        let table = decodeTable
        for byte in input where table[Int(byte)] == 0xFF {
            switch byte {
            case UInt8(ascii: "="): throw .padding
            case UInt8(ascii: "+"), UInt8(ascii: "/"): throw .standardAlphabet
            default: throw .invalidCharacter
            }
        }
        let remainder = input.count % 4
        if remainder == 1 { throw .impossibleLength }
        var output = [UInt8]()
        output.reserveCapacity(input.count / 4 * 3 + 2)
        var index = 0
        let fullEnd = input.count - remainder
        while index < fullEnd {
            let value =
                UInt32(table[Int(input[index])]) << 18 | UInt32(table[Int(input[index + 1])]) << 12
                | UInt32(table[Int(input[index + 2])]) << 6 | UInt32(table[Int(input[index + 3])])
            output.append(UInt8(truncatingIfNeeded: value >> 16))
            output.append(UInt8(truncatingIfNeeded: value >> 8))
            output.append(UInt8(truncatingIfNeeded: value))
            index += 4
        }
        if remainder == 2 {
            let first = UInt32(table[Int(input[index])])
            let second = UInt32(table[Int(input[index + 1])])
            if second & 0x0F != 0 { throw .nonZeroUnusedBits }
            output.append(UInt8(truncatingIfNeeded: first << 2 | second >> 4))
        } else if remainder == 3 {
            let value =
                UInt32(table[Int(input[index])]) << 12 | UInt32(table[Int(input[index + 1])]) << 6
                | UInt32(table[Int(input[index + 2])])
            if value & 0x03 != 0 { throw .nonZeroUnusedBits }
            output.append(UInt8(truncatingIfNeeded: value >> 10))
            output.append(UInt8(truncatingIfNeeded: value >> 2))
        }
        return output
    }

    /// Decodes a canonical unpadded base64url string, rejecting anything else.
    static func decode(_ text: String) throws(DecodingError) -> [UInt8] {
        let bytes = Array(text.utf8)
        return try bytes.withUnsafeBufferPointer { (buffer) throws(DecodingError) -> [UInt8] in
            try decode(buffer)
        }
    }
}
