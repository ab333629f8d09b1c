import BackendKit
import Foundation
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

    @Test("the text format's logger uses it")
    func textFormat() {
        let logger = LogFormat.text.logger(label: "backend", level: .notice)
        #expect(logger.handler is TextLogHandler)
        #expect(logger.logLevel == .notice)
    }
}
