import BackendKit
import BackendRuntime
import Foundation
import Logging
import NIOConcurrencyHelpers
import Testing

@Suite("Text logs")
struct TextLogHandlerTests {
    /// Collects what a `StreamLogHandler` writes.
    final class Lines: TextOutputStream, @unchecked Sendable {
        private let text = NIOLockedValueBox("")
        var value: String { text.withLockedValue { $0 } }
        func write(_ string: String) { text.withLockedValue { $0 += string } }
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String { "disk full" }
    }

    /// Logs the same statements through `logger`, with a per-request style metadata write in between.
    static func logStatements(_ make: (String) -> Logger) {
        var logger = make("backend")
        logger.logLevel = .debug
        logger[metadataKey: "plugin"] = "catalog"
        logger.info("Mounted plugin 'catalog' at /api/catalog")
        logger[metadataKey: "hb.request.id"] = .stringConvertible(42)
        logger.warning("GET /api/catalog/x 502 3ms", metadata: ["status": "502", "error": "remote said no"])
        logger.error("failed", error: Failure(), metadata: ["list": ["a", "b"], "map": ["k": "v"]])
        logger.debug("nested", source: "Custom")
        logger.trace("not written")
        make("").notice("no label")
    }

    /// Removes the leading timestamp of every line (the two handlers may straddle a second).
    static func withoutTimestamps(_ text: String) -> [Substring] {
        text.split(separator: "\n").map { $0.drop { $0 != " " } }
    }

    @Test("prints what swift-log's StreamLogHandler prints, character for character")
    func sameAsStreamLogHandler() throws {
        let stream = Lines()
        Self.logStatements { label in
            Logger(label: label) { StreamLogHandler(label: $0, stream: stream, metadataProvider: nil) }
        }
        let ours = Lines()
        Self.logStatements { label in
            Logger(label: label) { TextLogHandler(label: $0, sink: { ours.write($0) }) }
        }
        #expect(Self.withoutTimestamps(ours.value).count == 5)
        #expect(Self.withoutTimestamps(ours.value) == Self.withoutTimestamps(stream.value))
        #expect(ours.value.hasSuffix("\n"))
        let first = try #require(ours.value.split(separator: "\n").first)
        #expect(
            first.hasSuffix(" info backend: plugin=catalog [BackendKitTests] Mounted plugin 'catalog' at /api/catalog"))
        let timestamp = String(first.prefix { $0 != " " })
        #expect(timestamp.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4}$"#, options: .regularExpression) != nil)
    }

    @Test("a forged line in a metadata value, the message, a key or an error stays on its call's line, escaped")
    func controlCharactersAreEscaped() {
        let lines = Lines()
        var logger = Logger(label: "backend") { TextLogHandler(label: $0, sink: { lines.write($0) }) }
        logger[metadataKey: "plugin"] = "catalog"
        let forged = "team-a\n2026-12-01T10:20:41+0000 info backend: [BackendKit] Admin logged in"
        logger.info("Registered component:default/x", metadata: ["owner": .string(forged)])
        logger.warning("cr\r tab\t nul\u{0} bell\u{7} esc\u{1B}[31m us\u{1F} del\u{7F} end")
        logger.notice(
            "c1\u{80} csi\u{9B} \u{9F} ls\u{2028} ps\u{2029} kept: \\n … → é \u{A0}",
            metadata: ["key\nforged": ["a\nb": "c\rd"], "list": ["x\ny"]])
        logger.error("failed", error: Failure2())
        let expected: [String] = [
            " info backend: owner=team-a\\n2026-12-01T10:20:41+0000 info backend: [BackendKit] Admin logged in"
                + " plugin=catalog [BackendKitTests] Registered component:default/x",
            " warning backend: plugin=catalog [BackendKitTests] "
                + #"cr\r tab\t nul\u{0} bell\u{7} esc\u{1B}[31m us\u{1F} del\u{7F} end"#,
            #" notice backend: key\nforged=["a\nb": "c\rd"] list=["x\ny"] plugin=catalog [BackendKitTests] "#
                + #"c1\u{80} csi\u{9B} \u{9F} ls\u{2028} ps\u{2029} kept: \n … → é \#u{A0}"#,
            #" error backend: error.message=disk\nfull error.type=BackendKitTests.TextLogHandlerTests.Failure2 "#
                + "plugin=catalog [BackendKitTests] failed",
        ]
        #expect(Self.withoutTimestamps(lines.value).map(String.init) == expected)
        #expect(lines.value.split(separator: "\n", omittingEmptySubsequences: false).count == 5)
    }

    @Test("every C0 control, DEL and every C1 control has an escape; other text is left as it is")
    func escapes() {
        for value in Array(UInt32(0)..<0x3000) + [0xFEFF, 0x1F600, 0x10FFFF] {
            guard let scalar = Unicode.Scalar(value) else { continue }
            let text = String(Character(scalar))
            let escaped = TextLogHandler.escapingControlCharacters(text)
            switch value {
            case 0x0A: #expect(escaped == #"\n"#)
            case 0x0D: #expect(escaped == #"\r"#)
            case 0x09: #expect(escaped == #"\t"#)
            case 0..<0x20, 0x7F...0x9F, 0x2028, 0x2029:
                #expect(escaped == "\\u{\(String(value, radix: 16, uppercase: true))}")
            default:
                if escaped != text { Issue.record("U+\(String(value, radix: 16)) was changed to \(escaped)") }
            }
        }
        #expect(TextLogHandler.escapingControlCharacters("\u{1B}\u{0}x\n") == #"\u{1B}\u{0}x\n"#)
    }

    struct Failure2: Error, CustomStringConvertible {
        var description: String { "disk\nfull" }
    }

    @Test("the text format's logger uses it")
    func textFormat() {
        let logger = LogFormat.text.logger(label: "backend", level: .notice)
        #expect(logger.handler is TextLogHandler)
        #expect(logger.logLevel == .notice)
    }
}
