import BackendTestSupport
import Foundation
import NIOHTTP1
import Testing

@Suite("Log formats")
struct LogFormatTests {
    /// `LOG_FORMAT=json`: every line on standard output is one JSON object with the fields, plugin lines name
    /// their plugin, and standard error carries no log line.
    @Test func jsonLinesOnStandardOutput() async throws {
        try await TemporaryDirectory.with { dir in
            let examples = Repository.root.appendingPathComponent("Examples/catalog").path
            let file = try dir.write(
                "app-config.yaml",
                """
                backend:
                  listen: {host: 127.0.0.1, port: 0}
                catalog:
                  rules: [{allow: [Component, API, Location, System, Group, User, Template]}]
                  locations:
                    - {type: file, target: \(examples)/entities.yaml}
                """)
            let backend = try BackendProcess(["run", "--config", file], environment: ["LOG_FORMAT": "json"])
            defer { backend.stop() }
            let port = try await backend.waitForListeningPort()
            #expect(try await HTTP.send(.GET, "http://127.0.0.1:\(port)/api/catalog/entities").status == 200)
            backend.send(SIGTERM)
            #expect(try await backend.wait(timeout: .seconds(20)) == 0)

            let lines = backend.stdout.split(separator: "\n").map(String.init)
            #expect(lines.count > 5)
            var objects: [[String: Any]] = []
            for line in lines {
                let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                #expect(object != nil, "not a JSON object: \(line)")
                if let object { objects.append(object) }
            }
            for object in objects {
                #expect(object["timestamp"] is String && object["level"] is String && object["message"] is String)
            }
            #expect(objects.contains { ($0["message"] as? String)?.hasPrefix("Listening on 127.0.0.1:") == true })
            #expect(
                objects.contains {
                    $0["plugin"] as? String == "catalog" && ($0["message"] as? String)?.hasPrefix("Loaded ") == true
                })
            #expect(
                objects.contains {
                    $0["message"] as? String == "Backend stopped" && $0["level"] as? String == "info"
                })
            #expect(!backend.stderr.contains("info backend:"), "\(backend.stderr)")
        }
    }

    @Test func anUnknownLogFormatFailsStartup() async throws {
        let result = try await BackendProcess.run(["run"], environment: ["LOG_FORMAT": "xml"])
        #expect(result.exitCode == 1)
        #expect(
            result.stderr.contains("Backend failed to start up: Invalid LOG_FORMAT 'xml', expected 'json' or 'text'"))
    }
}
