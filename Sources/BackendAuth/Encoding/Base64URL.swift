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
        var failure: DecodingError?
        let bytes = [UInt8](unsafeUninitializedCapacity: decodedCapacity(input.count)) { buffer, count in
            do throws(DecodingError) {
                count = try decode(input, into: buffer)
            } catch {
                failure = error
                count = 0
            }
        }
        if let failure { throw failure }
        return bytes
    }

    /// Bytes an output buffer needs to decode `encodedCount` base64url characters.
    static func decodedCapacity(_ encodedCount: Int) -> Int {
        encodedCount / 4 * 3 + 2
    }

    /// Decodes a canonical unpadded base64url segment into `output` (at least
    /// ``decodedCapacity(_:)`` bytes), rejecting anything else. Allocation-free: the token
    /// verifier decodes into stack memory.
    ///
    /// - Returns: the number of bytes written.
    static func decode(
        _ input: UnsafeBufferPointer<UInt8>, into output: UnsafeMutableBufferPointer<UInt8>
    ) throws(DecodingError) -> Int {
        precondition(output.count >= decodedCapacity(input.count), "base64url output buffer too small")
        let remainder = input.count % 4
        // Classify invalid characters before the length, as the byte-wise check always did.
        if remainder == 1 {
            try checkAlphabet(input)
            throw .impossibleLength
        }
        return try decodeTable.withUnsafeBufferPointer { (table) throws(DecodingError) -> Int in
            guard let source = input.baseAddress, let target = output.baseAddress else { return 0 }
            // One pass: an invalid character maps to 0xFF, whose high bits survive the OR.
            var invalid: UInt32 = 0
            var read = 0
            var written = 0
            let fullEnd = input.count - remainder
            while read < fullEnd {
                let a = UInt32(table[Int(source[read])])
                let b = UInt32(table[Int(source[read + 1])])
                let c = UInt32(table[Int(source[read + 2])])
                let d = UInt32(table[Int(source[read + 3])])
                invalid |= a | b | c | d
                let value = a << 18 | b << 12 | c << 6 | d
                target[written] = UInt8(truncatingIfNeeded: value >> 16)
                target[written + 1] = UInt8(truncatingIfNeeded: value >> 8)
                target[written + 2] = UInt8(truncatingIfNeeded: value)
                read += 4
                written += 3
            }
            var unusedBits: UInt32 = 0
            if remainder == 2 {
                let a = UInt32(table[Int(source[read])])
                let b = UInt32(table[Int(source[read + 1])])
                invalid |= a | b
                unusedBits = b & 0x0F
                target[written] = UInt8(truncatingIfNeeded: a << 2 | b >> 4)
                written += 1
            } else if remainder == 3 {
                let a = UInt32(table[Int(source[read])])
                let b = UInt32(table[Int(source[read + 1])])
                let c = UInt32(table[Int(source[read + 2])])
                invalid |= a | b | c
                let value = a << 12 | b << 6 | c
                unusedBits = value & 0x03
                target[written] = UInt8(truncatingIfNeeded: value >> 10)
                target[written + 1] = UInt8(truncatingIfNeeded: value >> 2)
                written += 2
            }
            if invalid & 0xC0 != 0 { try checkAlphabet(input) }
            if unusedBits != 0 { throw .nonZeroUnusedBits }
            return written
        }
    }

    /// Throws the error for the first character outside the base64url alphabet, if any.
    private static func checkAlphabet(_ input: UnsafeBufferPointer<UInt8>) throws(DecodingError) {
        let table = decodeTable
        for byte in input where table[Int(byte)] == 0xFF {
            switch byte {
            case UInt8(ascii: "="): throw .padding
            case UInt8(ascii: "+"), UInt8(ascii: "/"): throw .standardAlphabet
            default: throw .invalidCharacter
            }
        }
    }

    /// Decodes a canonical unpadded base64url string, rejecting anything else.
    static func decode(_ text: String) throws(DecodingError) -> [UInt8] {
        let bytes = Array(text.utf8)
        return try bytes.withUnsafeBufferPointer { (buffer) throws(DecodingError) -> [UInt8] in
            try decode(buffer)
        }
    }
}
