#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A small, strict RFC 8259 JSON parser for JWS headers and claims.
///
/// Unlike `JSONDecoder` it refuses duplicate member names (RFC 7515 §4, RFC 8725 §3.4), validates
/// UTF-8 up front, caps nesting depth (a hostile document cannot exhaust the stack), accepts only
/// JSON whitespace, rejects lone surrogate escapes and parses numbers by the RFC grammar (the
/// numeric value may be infinite, e.g. `1e400`; callers check finiteness).
///
/// All work is linear in the input: member names are compared by their unescaped UTF-8 bytes (RFC
/// 8259 §8.3: names compare code unit by code unit, so a precomposed `é` and `e` + U+0301 are two
/// different names), with a linear scan for small objects and a hash set for larger ones; and a
/// document may hold at most ``defaultMaximumValues`` values, so a header cannot make the verifier
/// build thousands of nodes before a key is tried.
struct StrictJSONParser {
    /// The default nesting limit.
    static let defaultMaximumDepth = 32
    /// The default limit on the number of values (members and elements at any depth, and the
    /// top-level value) in one document. Server token headers and claims have a handful.
    static let defaultMaximumValues = 256
    /// Objects with at most this many members check a new name by a linear scan of the earlier
    /// ones (no hashing, no allocation); larger ones use a hash set of the names' bytes.
    static let linearScanMembers = 8

    private let input: UnsafeBufferPointer<UInt8>
    private let maximumDepth: Int
    private let maximumValues: Int
    private var position = 0
    private var values = 0

    private init(input: UnsafeBufferPointer<UInt8>, maximumDepth: Int, maximumValues: Int) {
        self.input = input
        self.maximumDepth = maximumDepth
        self.maximumValues = maximumValues
    }

    /// Parses one complete JSON document (any value at the top level; surrounding whitespace allowed).
    static func parse(
        _ bytes: UnsafeBufferPointer<UInt8>, maximumDepth: Int = defaultMaximumDepth,
        maximumValues: Int = defaultMaximumValues
    ) throws(JSONParseError) -> StrictJSONValue {
        guard UTF8Validation.isValid(bytes) else { throw .invalidUTF8 }
        var parser = StrictJSONParser(input: bytes, maximumDepth: maximumDepth, maximumValues: maximumValues)
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        guard parser.position == bytes.count else { throw parser.syntax("unexpected data after the JSON value") }
        return value
    }

    /// Parses one complete JSON document from a byte array.
    static func parse(
        _ bytes: [UInt8], maximumDepth: Int = defaultMaximumDepth, maximumValues: Int = defaultMaximumValues
    ) throws(JSONParseError) -> StrictJSONValue {
        try bytes.withUnsafeBufferPointer { (buffer) throws(JSONParseError) -> StrictJSONValue in
            try parse(buffer, maximumDepth: maximumDepth, maximumValues: maximumValues)
        }
    }

    private func syntax(_ message: String) -> JSONParseError {
        .syntax(message, offset: position)
    }

    private var current: UInt8? { position < input.count ? input[position] : nil }

    private mutating func skipWhitespace() {
        while position < input.count {
            switch input[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    private mutating func parseValue(depth: Int) throws(JSONParseError) -> StrictJSONValue {
        guard let byte = current else { throw syntax("unexpected end of input") }
        values += 1
        guard values <= maximumValues else { throw .tooManyValues(limit: maximumValues) }
        switch byte {
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"):
            try expectLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try expectLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try expectLiteral("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return .number(try parseNumber())
        default:
            throw syntax("unexpected character")
        }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
        let count = literal.utf8CodeUnitCount
        guard input.count - position >= count else { throw syntax("invalid literal") }
        let base = literal.utf8Start
        for offset in 0..<count where input[position + offset] != base[offset] {
            throw syntax("invalid literal")
        }
        position += count
    }

    private mutating func parseObject(depth: Int) throws(JSONParseError) -> StrictJSONValue {
        guard depth <= maximumDepth else { throw .tooDeep(limit: maximumDepth) }
        position += 1  // {
        var members: [StrictJSONValue.Member] = []
        var names = Set<UTF8Name>()
        skipWhitespace()
        if current == UInt8(ascii: "}") {
            position += 1
            return .object(members)
        }
        while true {
            guard current == UInt8(ascii: "\"") else { throw syntax("expected a member name") }
            let name = try parseString()
            try checkUnique(name, members: members, names: &names)
            skipWhitespace()
            guard current == UInt8(ascii: ":") else { throw syntax("expected ':'") }
            position += 1
            skipWhitespace()
            let value = try parseValue(depth: depth)
            members.append(StrictJSONValue.Member(name: name, value: value))
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","):
                position += 1
                skipWhitespace()
            case UInt8(ascii: "}"):
                position += 1
                return .object(members)
            default:
                throw syntax("expected ',' or '}'")
            }
        }
    }

    /// Refuses `name` when an earlier member of the object has the same UTF-8 bytes: a byte scan for
    /// the first ``linearScanMembers`` members, then a hash set (filled on first use).
    private func checkUnique(
        _ name: String, members: [StrictJSONValue.Member], names: inout Set<UTF8Name>
    ) throws(JSONParseError) {
        if members.count < Self.linearScanMembers {
            for member in members where UTF8Name.equal(member.name, name) { throw .duplicateMember(name) }
            return
        }
        if names.isEmpty {
            names.reserveCapacity(members.count * 2)
            for member in members { names.insert(UTF8Name(member.name)) }
        }
        guard names.insert(UTF8Name(name)).inserted else { throw .duplicateMember(name) }
    }

    private mutating func parseArray(depth: Int) throws(JSONParseError) -> StrictJSONValue {
        guard depth <= maximumDepth else { throw .tooDeep(limit: maximumDepth) }
        position += 1  // [
        var elements: [StrictJSONValue] = []
        skipWhitespace()
        if current == UInt8(ascii: "]") {
            position += 1
            return .array(elements)
        }
        while true {
            elements.append(try parseValue(depth: depth))
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","):
                position += 1
                skipWhitespace()
            case UInt8(ascii: "]"):
                position += 1
                return .array(elements)
            default:
                throw syntax("expected ',' or ']'")
            }
        }
    }

    /// Parses a string starting at the opening quote. The input is already known to be valid UTF-8.
    private mutating func parseString() throws(JSONParseError) -> String {
        position += 1  // opening quote
        let start = position
        // Fast path: no escapes.
        while position < input.count {
            let byte = input[position]
            if byte == UInt8(ascii: "\"") {
                let text = String(decoding: UnsafeBufferPointer(rebasing: input[start..<position]), as: UTF8.self)
                position += 1
                return text
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw syntax("control character in string") }
            position += 1
        }
        var bytes = Array(input[start..<position])
        while position < input.count {
            let byte = input[position]
            switch byte {
            case UInt8(ascii: "\""):
                position += 1
                return String(decoding: bytes, as: UTF8.self)
            case UInt8(ascii: "\\"):
                let escapeStart = position
                position += 1
                do {
                    try parseEscape(into: &bytes)
                } catch {
                    // Report escape problems at the backslash that starts the escape.
                    guard case .syntax(let message, _) = error else { throw error }
                    throw .syntax(message, offset: escapeStart)
                }
            case 0..<0x20:
                throw syntax("control character in string")
            default:
                bytes.append(byte)
                position += 1
            }
        }
        throw syntax("unterminated string")
    }

    private mutating func parseEscape(into bytes: inout [UInt8]) throws(JSONParseError) {
        guard let escape = current else { throw syntax("unterminated string") }
        position += 1
        switch escape {
        case UInt8(ascii: "\""): bytes.append(UInt8(ascii: "\""))
        case UInt8(ascii: "\\"): bytes.append(UInt8(ascii: "\\"))
        case UInt8(ascii: "/"): bytes.append(UInt8(ascii: "/"))
        case UInt8(ascii: "b"): bytes.append(0x08)
        case UInt8(ascii: "f"): bytes.append(0x0C)
        case UInt8(ascii: "n"): bytes.append(0x0A)
        case UInt8(ascii: "r"): bytes.append(0x0D)
        case UInt8(ascii: "t"): bytes.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try parseHex4()
            if (0xD800...0xDBFF).contains(scalar) {
                guard input.count - position >= 6, input[position] == UInt8(ascii: "\\"),
                    input[position + 1] == UInt8(ascii: "u")
                else { throw syntax("unpaired surrogate escape") }
                position += 2
                let low = try parseHex4()
                guard (0xDC00...0xDFFF).contains(low) else { throw syntax("unpaired surrogate escape") }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00...0xDFFF).contains(scalar) {
                throw syntax("unpaired surrogate escape")
            }
            guard let unicode = Unicode.Scalar(scalar) else { throw syntax("invalid \\u escape") }
            bytes.append(contentsOf: UTF8.encode(unicode) ?? UTF8.EncodedScalar())
        default:
            throw syntax("invalid escape")
        }
    }

    private mutating func parseHex4() throws(JSONParseError) -> UInt32 {
        guard input.count - position >= 4 else { throw syntax("invalid \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = input[position]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw syntax("invalid \\u escape")
            }
            value = value << 4 | digit
            position += 1
        }
        return value
    }

    private mutating func parseNumber() throws(JSONParseError) -> Double {
        let start = position
        let negative = current == UInt8(ascii: "-")
        if negative { position += 1 }
        guard let first = current, isDigit(first) else { throw syntax("invalid number") }
        let integerStart = position
        if first == UInt8(ascii: "0") {
            position += 1
            if let next = current, isDigit(next) { throw syntax("leading zero in number") }
        } else {
            skipDigits()
        }
        // Fast path for plain integers of at most 15 digits (every `exp`/`iat`/`nbf` in practice):
        // they convert to Double exactly, so the result equals `Double(text)` without strtod.
        if position - integerStart <= 15 {
            switch current {
            case UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"): break
            default: return integerValue(from: integerStart, negative: negative)
            }
        }
        if current == UInt8(ascii: ".") {
            position += 1
            guard let next = current, isDigit(next) else { throw syntax("invalid number") }
            skipDigits()
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            position += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { position += 1 }
            guard let next = current, isDigit(next) else { throw syntax("invalid number") }
            skipDigits()
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: input[start..<position]), as: UTF8.self)
        guard let value = Double(text) else {
            position = start
            throw syntax("invalid number")
        }
        return value
    }

    /// The digits from `start` up to `position` (at most 15) as an exactly converted Double.
    private func integerValue(from start: Int, negative: Bool) -> Double {
        var magnitude = 0
        for index in start..<position { magnitude = magnitude &* 10 &+ Int(input[index] &- UInt8(ascii: "0")) }
        let value = Double(magnitude)
        return negative ? -value : value
    }

    private func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    private mutating func skipDigits() {
        while let byte = current, isDigit(byte) { position += 1 }
    }
}

/// A member name that hashes and compares by its UTF-8 bytes, not by Unicode canonical equivalence
/// (which `String` uses, and which costs a normalization per comparison).
struct UTF8Name: Hashable {
    /// The name.
    let text: String

    /// Wraps `text`.
    init(_ text: String) {
        self.text = text
    }

    /// Whether `left` and `right` have the same UTF-8 bytes.
    static func equal(_ left: String, _ right: String) -> Bool {
        let leftBytes = left.utf8
        let rightBytes = right.utf8
        guard leftBytes.count == rightBytes.count else { return false }
        let compared: Bool?? = leftBytes.withContiguousStorageIfAvailable { leftBuffer in
            rightBytes.withContiguousStorageIfAvailable { rightBuffer in
                guard let leftBase = leftBuffer.baseAddress, let rightBase = rightBuffer.baseAddress else {
                    return leftBuffer.count == rightBuffer.count
                }
                return memcmp(leftBase, rightBase, leftBuffer.count) == 0
            }
        }
        if let compared, let compared { return compared }
        return leftBytes.elementsEqual(rightBytes)
    }

    /// Byte equality (see ``equal(_:_:)``).
    static func == (left: UTF8Name, right: UTF8Name) -> Bool {
        equal(left.text, right.text)
    }

    /// Hashes the UTF-8 bytes.
    func hash(into hasher: inout Hasher) {
        let hashed: Bool? = text.utf8.withContiguousStorageIfAvailable { bytes in
            hasher.combine(bytes: UnsafeRawBufferPointer(bytes))
            return true
        }
        if hashed == nil {
            for byte in text.utf8 { hasher.combine(byte) }
        }
        hasher.combine(text.utf8.count)
    }
}
