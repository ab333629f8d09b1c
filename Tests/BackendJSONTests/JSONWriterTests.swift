import BackendJSON
import Foundation
import Testing

/// `JSONValue.writeJSON(into:)` must produce the bytes `JSONEncoder` produced before it, so that responses did
/// not change when `JSONBody` stopped going through `Codable`. `JSONEncoder` is the oracle.
@Suite("JSON writer")
struct JSONWriterTests {
    private static func oracle(_ value: JSONValue) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    @Test func writesScalarsAndEscapes() {
        #expect(JSONValue.null.jsonText(options: .sortedKeys) == "null")
        #expect(JSONValue.bool(true).jsonText(options: .sortedKeys) == "true")
        #expect(JSONValue.int(Int.min).jsonText(options: .sortedKeys) == "-9223372036854775808")
        #expect(JSONValue.double(3).jsonText(options: .sortedKeys) == "3")
        #expect(JSONValue.double(-0.0).jsonText(options: .sortedKeys) == "-0")
        #expect(JSONValue.double(1e20).jsonText(options: .sortedKeys) == "1e+20")
        #expect(JSONValue.double(0.1).jsonText(options: .sortedKeys) == "0.1")
        #expect(
            JSONValue.string("a/b\"c\\d\n\r\t\u{08}\u{0C}\u{01}\u{1F}\u{7F}é😀").jsonText(options: .sortedKeys)
                == #""a/b\"c\\d\n\r\t\b\f\u0001\u001f\#u{7F}é😀""#)
        #expect(JSONValue.object([:]).jsonText(options: .sortedKeys) == "{}")
        #expect(JSONValue.array([]).jsonText(options: .sortedKeys) == "[]")
    }

    @Test func sortsKeysLikeJSONEncoder() throws {
        let keys = ["a10", "a9", "B", "a", "_x", "é", "Z", "ab", "aB", "", "a b", "ä", "z\u{0}"]
        let value = JSONValue.object(JSONObject(keys.enumerated().map { ($1, JSONValue.int($0)) }))
        #expect(value.jsonText(options: .sortedKeys) == (try Self.oracle(value)))
        #expect(
            value.jsonText(options: .sortedKeys).hasPrefix(#"{"":9,"B":2,"Z":6,"_x":4,"a":3,"a b":10,"a10":0,"a9":1,"#))
    }

    @Test func nonFiniteNumbersBecomeNull() {
        // JSONEncoder throws here; JavaScript's JSON.stringify, like this writer, writes null.
        #expect(
            JSONValue.array([.double(.infinity), .double(-.infinity), .double(.nan)]).jsonText(options: .sortedKeys)
                == "[null,null,null]")
    }

    /// Random documents from a fixed seed: strings with every ASCII byte, quotes, slashes and non-ASCII text,
    /// integers and doubles across magnitudes, nested arrays and objects.
    @Test func matchesJSONEncoderOnRandomDocuments() throws {
        var random = SeededRandom(seed: 0x5EED)
        for _ in 0..<400 {
            let value = Self.document(depth: 0, using: &random)
            #expect(value.jsonText(options: .sortedKeys) == (try Self.oracle(value)))
        }
    }

    private static func document(depth: Int, using random: inout SeededRandom) -> JSONValue {
        let choice = random.next(upTo: depth >= 3 ? 5 : 7)
        switch choice {
        case 0: return .null
        case 1: return .bool(random.next(upTo: 2) == 0)
        case 2:
            let magnitudes = [0, 1, 255, 65_536, 1 << 40, Int.max]
            let magnitude = magnitudes[random.next(upTo: magnitudes.count)]
            return .int(magnitude == 0 ? 0 : Int.random(in: -magnitude...magnitude, using: &random))
        case 3:
            let exponent = Double(Int(random.next(upTo: 40)) - 20)
            let value = Double.random(in: -1...1, using: &random) * pow(10, exponent)
            return .double(random.next(upTo: 4) == 0 ? value.rounded() : value)
        case 4: return .string(string(using: &random))
        case 5:
            return .array((0..<random.next(upTo: 5)).map { _ in document(depth: depth + 1, using: &random) })
        default:
            var members: [String: JSONValue] = [:]
            for _ in 0..<random.next(upTo: 6) {
                members[string(using: &random)] = document(depth: depth + 1, using: &random)
            }
            // Members in a shuffled order half the time: the writer takes members already in order another way.
            var ordered = members.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
            if random.next(upTo: 2) == 0 { ordered.shuffle(using: &random) }
            return .object(JSONObject(ordered))
        }
    }

    private static func string(using random: inout SeededRandom) -> String {
        let pieces = ["a", "Z", "/", "\"", "\\", " ", "é", "ß", "😀", "\u{2028}", "\u{7F}", "\u{FEFF}", "名"]
        var result = ""
        for _ in 0..<random.next(upTo: 12) {
            if random.next(upTo: 3) == 0 {
                result.unicodeScalars.append(Unicode.Scalar(UInt8(random.next(upTo: 0x80))))
            } else {
                result += pieces[random.next(upTo: pieces.count)]
            }
        }
        return result
    }
}

/// SplitMix64, so a failing document can be reproduced from the seed.
private struct SeededRandom: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func next(upTo bound: Int) -> Int {
        Int(next(upperBound: UInt64(bound)))
    }
}
