import BackendKit
import BackendRuntime
import BackendTestSupport
import Foundation
import Logging
import Testing

@Suite("JSON logs")
struct JSONLogHandlerTests {
    @Test("one object per line: timestamp, level, message, label, plugin and the metadata as members")
    func lines() async throws {
        let lines = Recorder<String>()
        let (stream, continuation) = AsyncStream.makeStream(of: String.self)
        var logger = Logger(label: "backend") { JSONLogHandler(label: $0, sink: { continuation.yield($0) }) }
        logger.logLevel = .debug
        logger[metadataKey: "plugin"] = "catalog"
        logger.info("Loaded \"8\" entities\nfrom 2 files", metadata: ["files": "a.yaml", "count": "\(8)"])
        logger.debug(
            "nested",
            metadata: [
                "list": ["a", "b"], "map": ["k": "v"], "status": .stringConvertible(503),
                "duration_ms": .stringConvertible(12), "ratio": .stringConvertible(0.5),
                "cached": .stringConvertible(true), "huge": .stringConvertible(UInt64.max),
            ])
        logger.trace("not written")
        continuation.finish()
        for await line in stream { await lines.record(line) }

        let written = await lines.values
        #expect(written.count == 2)
        #expect(written.allSatisfy { !$0.contains("\n") })
        let first = try #require(try JSONSerialization.jsonObject(with: Data(written[0].utf8)) as? [String: Any])
        #expect(first["level"] as? String == "info")
        #expect(first["message"] as? String == "Loaded \"8\" entities\nfrom 2 files")
        #expect(first["label"] as? String == "backend")
        #expect(first["plugin"] as? String == "catalog")
        #expect(first["files"] as? String == "a.yaml")
        #expect(first["count"] as? String == "8")
        let timestamp = try #require(first["timestamp"] as? String)
        #expect(timestamp.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$"#, options: .regularExpression) != nil)
        #expect(written[0].hasPrefix(#"{"timestamp":"#))
        let second = try #require(try JSONSerialization.jsonObject(with: Data(written[1].utf8)) as? [String: Any])
        #expect(second["list"] as? [String] == ["a", "b"])
        #expect(second["map"] as? [String: String] == ["k": "v"])
        // Numbers and booleans logged as values stay JSON numbers and booleans; the count logged as text stays text.
        #expect(written[1].contains(#""status":503"#))
        #expect(written[1].contains(#""duration_ms":12"#))
        #expect(written[1].contains(#""ratio":0.5"#))
        #expect(written[1].contains(#""cached":true"#))
        #expect(written[1].contains(#""huge":"18446744073709551615""#))
    }

    @Test("LOG_FORMAT overrides the environment's default; anything else is a startup error")
    func formatSelection() throws {
        #expect(try LogFormat.resolve(environment: .production, variables: [:]) == .json)
        #expect(try LogFormat.resolve(environment: .development, variables: [:]) == .text)
        #expect(try LogFormat.resolve(environment: .production, variables: ["LOG_FORMAT": "text"]) == .text)
        #expect(try LogFormat.resolve(environment: .development, variables: ["LOG_FORMAT": "JSON"]) == .json)
        #expect(throws: BackendStartupError("Invalid LOG_FORMAT 'xml', expected 'json' or 'text'")) {
            try LogFormat.resolve(environment: .development, variables: ["LOG_FORMAT": "xml"])
        }
    }
}
