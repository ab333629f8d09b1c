import BackendJSON
import Foundation
import Testing

/// `JSONValue(parsing:)` reads what `JSONDecoder` read into the same values, but keeps object members in the order
/// the text writes them, and refuses what RFC 8259 refuses. `JSONDecoder` is the oracle for values.
@Suite("JSON parsing")
struct JSONParsingTests {
    private static func oracle(_ text: String) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
    }

    @Test func keepsMemberOrderAtEveryDepth() throws {
        let value = try JSONValue(parsing: #"{"z":1,"a":{"y":[{"c":1,"b":2}],"x":null},"m":true}"#)
        #expect(value.objectValue?.keys == ["z", "a", "m"])
        #expect(value["a"]?.objectValue?.keys == ["y", "x"])
        #expect(value["a"]?["y"]?.arrayValue?.first?.objectValue?.keys == ["c", "b"])
        // Written back without sorting, the text is the same.
        #expect(value.jsonText() == #"{"z":1,"a":{"y":[{"c":1,"b":2}],"x":null},"m":true}"#)
    }

    @Test(
        "values equal JSONDecoder's",
        arguments: [
            "null", "true", "false", "0", "-0", "1.0", "1e2", "1E+2", "-0.0", "1.5", "-12.25e-3",
            "9223372036854775807", "-9223372036854775808", "9223372036854775808", "12345678901234567890",
            #""""#, #""a\"b\\c\/d\b\f\n\r\t""#, #""\u00e9\ud83d\ude00\u0000""#, "\"é😀\"", " [ 1 , 2 ] ",
            #"{"a":[],"b":{},"c":[[{}]]}"#, "\u{FEFF}{\"bom\":1}",
        ])
    func matchesJSONDecoder(_ text: String) throws {
        let parsed = try JSONValue(parsing: text)
        #expect(parsed == (try Self.oracle(text)))
        #expect(try JSONValue(parsing: Array(text.utf8)) == parsed)
        #expect(try JSONValue(parsing: Data(text.utf8)) == parsed)
    }

    @Test func integralNumbersAreExactIntegers() throws {
        #expect(try JSONValue(parsing: "100") == .int(100))
        #expect(try JSONValue(parsing: "1e2").intValue == 100)
        #expect(try JSONValue(parsing: "9223372036854775807") == .int(Int.max))
        #expect(try JSONValue(parsing: "-9223372036854775808") == .int(Int.min))
        guard case .int = try JSONValue(parsing: "1.0e1") else {
            Issue.record("1.0e1 should be an exact integer, as JSONDecoder read it")
            return
        }
        guard case .double = try JSONValue(parsing: "-9223372036854775809") else {
            Issue.record("digits beyond Int should stay a double")
            return
        }
    }

    @Test func repeatedNameKeepsFirstPositionAndLastValue() throws {
        let value = try JSONValue(parsing: #"{"a":1,"b":2,"a":3}"#)
        #expect(value.objectValue?.keys == ["a", "b"])
        #expect(value["a"] == .int(3))
    }

    @Test(
        "refuses what RFC 8259 refuses, naming the problem and the byte",
        arguments: [
            ("", "unexpected end of the text at byte 0"),
            ("   ", "unexpected end of the text at byte 3"),
            ("[1,]", "unexpected character at byte 3"),
            (#"{"a":1,}"#, "expected a member name at byte 7"),
            ("{} x", "unexpected text after the JSON value at byte 3"),
            ("01", "invalid number: leading zero at byte 1"),
            (".5", "unexpected character at byte 0"),
            ("1.", "invalid number at byte 2"),
            ("+1", "unexpected character at byte 0"),
            ("-", "invalid number at byte 1"),
            ("NaN", "unexpected character at byte 0"),
            ("1e400", "number out of range at byte 0"),
            ("tru", "invalid literal at byte 0"),
            (#"["a" "b"]"#, "expected ',' or ']' in an array at byte 5"),
            (#"{"a" 1}"#, "expected ':' after a member name at byte 5"),
            ("\"a\u{01}\"", "control character in a string at byte 2"),
            (#""abc"#, "unterminated string at byte 4"),
            (#"["\x"]"#, "invalid escape at byte 2"),
            (#""\u12""#, #"invalid \u escape at byte 1"#),
            (#""a\ud800""#, "unpaired surrogate escape at byte 2"),
            (#""\udc00""#, "unpaired surrogate escape at byte 1"),
        ])
    func refusesInvalidText(_ text: String, _ message: String) {
        do {
            let value = try JSONValue(parsing: text)
            Issue.record("parsed \(value)")
        } catch {
            #expect(error.description == message)
        }
    }

    @Test func refusesBytesThatAreNotUTF8() {
        let cases: [([UInt8], Int)] = [
            ([0x22, 0xFF, 0x22], 1), ([0x22, 0x61, 0xED, 0xA0, 0x80, 0x22], 2), ([0x22, 0xC0, 0xAF, 0x22], 1),
        ]
        for (bytes, offset) in cases {
            #expect(throws: JSONParsingError(reason: "the text is not UTF-8", offset: offset)) {
                try JSONValue(parsing: bytes)
            }
        }
    }

    @Test func boundsNesting() throws {
        let limit = JSONValue.maximumParsingDepth
        let deepest = String(repeating: "[", count: limit) + String(repeating: "]", count: limit)
        #expect(try JSONValue(parsing: deepest).arrayValue?.count == 1)
        // Far deeper than the stack would allow: refused at the first level past the limit, without recursing on.
        #expect(throws: JSONParsingError(reason: "more than \(limit) nested arrays and objects", offset: limit)) {
            try JSONValue(parsing: String(repeating: "[", count: 1_000_000))
        }
        #expect(throws: JSONParsingError.self) {
            try JSONValue(
                parsing: String(repeating: #"{"a":"#, count: limit + 1) + "1" + String(repeating: "}", count: limit + 1)
            )
        }
    }

    @Test func randomDocumentsReadBackAsWritten() throws {
        var generator = SystemRandomNumberGenerator()
        func random(depth: Int) -> JSONValue {
            switch Int.random(in: 0..<(depth > 3 ? 5 : 7), using: &generator) {
            case 0: return .null
            case 1: return .bool(Bool.random(using: &generator))
            case 2: return .int(Int.random(in: Int.min...Int.max, using: &generator))
            case 3: return .double(Double.random(in: -1e6...1e6, using: &generator))
            case 4:
                let scalars = (0..<Int.random(in: 0..<8, using: &generator)).compactMap { _ in
                    Unicode.Scalar(UInt32.random(in: 0...0x1F_FFF, using: &generator))
                }
                return .string(String(String.UnicodeScalarView(scalars)))
            case 5:
                return .array((0..<Int.random(in: 0..<4, using: &generator)).map { _ in random(depth: depth + 1) })
            default:
                return .object(
                    JSONObject(
                        (0..<Int.random(in: 0..<4, using: &generator)).map { index in
                            ("k\(index)-\(Int.random(in: 0..<100, using: &generator))", random(depth: depth + 1))
                        }))
            }
        }
        for _ in 0..<500 {
            let value = random(depth: 0)
            let text = value.jsonText()
            let parsed = try JSONValue(parsing: text)
            #expect(parsed == value, "\(text)")
            #expect(parsed.jsonText() == text, "member order or number text changed")
            #expect(parsed == (try Self.oracle(text)))
        }
    }
}
