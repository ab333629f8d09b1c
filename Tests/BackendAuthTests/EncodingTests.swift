import Testing

@testable import BackendAuth

@Suite("Strict base64url, JSON and timestamps")
struct EncodingTests {
    @Test func base64URLRoundTrips() throws {
        for length in 0..<70 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            let encoded = Base64URL.encode(bytes)
            #expect(!encoded.contains("="))
            #expect(try Base64URL.decode(encoded) == bytes)
        }
    }

    @Test func base64URLRejectsNonCanonicalInput() throws {
        #expect(throws: Base64URL.DecodingError.padding) { try Base64URL.decode("QQ==") }
        #expect(throws: Base64URL.DecodingError.standardAlphabet) { try Base64URL.decode("+/8") }
        #expect(throws: Base64URL.DecodingError.invalidCharacter) { try Base64URL.decode("QQ.") }
        #expect(throws: Base64URL.DecodingError.impossibleLength) { try Base64URL.decode("QUJDR") }
        #expect(throws: Base64URL.DecodingError.nonZeroUnusedBits) { try Base64URL.decode("QR") }
        #expect(throws: Base64URL.DecodingError.nonZeroUnusedBits) { try Base64URL.decode("QUJ") }
        #expect(try Base64URL.decode("QUI") == [0x41, 0x42])
    }

    func parse(_ text: String) throws(JSONParseError) -> StrictJSONValue {
        try StrictJSONParser.parse(Array(text.utf8))
    }

    @Test func jsonParsesValues() throws {
        let value = try parse(#" {"a":[1,-0.5e2,true,false,null,"x\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00"],"b":{}} "#)
        #expect(
            value
                == .object([
                    .init(
                        name: "a",
                        value: .array([
                            .number(1), .number(-50), .bool(true), .bool(false), .null,
                            .string("x\"\\/\u{8}\u{C}\n\r\té😀"),
                        ])),
                    .init(name: "b", value: .object([])),
                ]))
        #expect(try parse("1e400") == .number(.infinity))
        #expect(try parse(#""é""#) == .string("é"))
    }

    @Test(arguments: [
        "", "{", "{\"a\"}", "{\"a\":1,}", "[1,]", "01", "1.", ".5", "-", "+1", "1e", "NaN", "Infinity", "tru", "nul",
        "\"\u{1}\"", "\"\\x\"", "\"\\u12\"", "\"\\udc00\"", "\"\\ud800x\"", "{'a':1}", "{\"a\":1} x", "\u{FEFF}{}",
        "\u{A0}{}",
    ])
    func jsonRejectsInvalidDocuments(_ text: String) {
        #expect(throws: JSONParseError.self) { try parse(text) }
    }

    @Test func jsonRejectsDuplicatesAndDepth() {
        #expect(throws: JSONParseError.duplicateMember("a")) { try parse(#"{"a":1,"a":2}"#) }
        #expect(throws: JSONParseError.duplicateMember("a")) { try parse(#"{"a":1,"\u0061":2}"#) }
        #expect(throws: JSONParseError.duplicateMember("b")) { try parse(#"[{"b":1,"b":1}]"#) }
        let ok = String(repeating: "[", count: 32) + String(repeating: "]", count: 32)
        #expect(throws: Never.self) { try parse(ok) }
        let deep = String(repeating: "[", count: 33) + String(repeating: "]", count: 33)
        #expect(throws: JSONParseError.tooDeep(limit: 32)) { try parse(deep) }
        let hostile = String(repeating: "[", count: 100_000)
        #expect(throws: JSONParseError.tooDeep(limit: 32)) { try parse(hostile) }
    }

    @Test func jsonRejectsInvalidUTF8() {
        for bytes: [UInt8] in [
            [0x22, 0xFF, 0x22], [0x22, 0xC3, 0x22], [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22],
            [0x22, 0xE0, 0x80, 0xAF, 0x22],
        ] {
            #expect(throws: JSONParseError.invalidUTF8) { try StrictJSONParser.parse(bytes) }
        }
    }

    @Test func reasonTextQuotesSafely() {
        #expect(ReasonText.quoted("none") == "\"none\"")
        #expect(ReasonText.quoted("a\"b\\c\u{1B}[31m") == #""a\"b\\c\u{1B}[31m""#)
        #expect(
            ReasonText.quoted(String(repeating: "x", count: 40)) == "\"" + String(repeating: "x", count: 32) + "\"…")
    }
}
