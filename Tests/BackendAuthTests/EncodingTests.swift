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

    @Test func jsonMemberNamesCompareByUTF8Bytes() throws {
        // Precomposed U+00E9 and e + U+0301 are canonically equivalent but different JSON names.
        let both = try parse(#"{"\u00e9":1,"e\u0301":2}"#)
        guard case .object(let members) = both else {
            Issue.record("not an object")
            return
        }
        #expect(members.count == 2)
        #expect(both[member: "\u{E9}"] == .number(1))
        #expect(both[member: "e\u{301}"] == .number(2))
        // The same bytes, raw or escaped, are a duplicate.
        #expect(throws: JSONParseError.duplicateMember("e\u{301}")) { try parse(#"{"e\u0301":1,"e\#u{301}":2}"#) }
    }

    @Test func jsonFindsDuplicatesInLargeObjects() {
        // Past the linear-scan threshold the parser switches to a hash set; both must find duplicates.
        for count in [2, StrictJSONParser.linearScanMembers, StrictJSONParser.linearScanMembers + 1, 40] {
            let members = (0..<count).map { #""m\#($0)":0"# }
            for duplicate in [0, count / 2, count - 1] {
                let text = "{" + (members + [#""m\#(duplicate)":1"#]).joined(separator: ",") + "}"
                #expect(throws: JSONParseError.duplicateMember("m\(duplicate)"), "\(count)/\(duplicate)") {
                    try parse(text)
                }
            }
            #expect(throws: Never.self) { try parse("{" + members.joined(separator: ",") + "}") }
        }
    }

    @Test func jsonCapsTheNumberOfValues() throws {
        let limit = StrictJSONParser.defaultMaximumValues
        // The top-level array is one value, so `limit - 1` elements fit and `limit` do not.
        let fits = "[" + Array(repeating: "0", count: limit - 1).joined(separator: ",") + "]"
        #expect(throws: Never.self) { try parse(fits) }
        let over = "[" + Array(repeating: "0", count: limit).joined(separator: ",") + "]"
        #expect(throws: JSONParseError.tooManyValues(limit: limit)) { try parse(over) }
        // Members and nested values count too.
        #expect(throws: Never.self) { try StrictJSONParser.parse(Array(#"{"a":{"b":1}}"#.utf8), maximumValues: 3) }
        #expect(throws: JSONParseError.tooManyValues(limit: 3)) {
            try StrictJSONParser.parse(Array(#"{"a":[1,2]}"#.utf8), maximumValues: 3)
        }
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
