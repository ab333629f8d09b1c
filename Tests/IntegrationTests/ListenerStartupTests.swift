import Foundation
import Testing

/// Both listeners bind before any plugin starts; a taken address is one line naming the address, the cause and the
/// key, with nothing mounted and no other error logged.
@Suite("Listeners first")
struct ListenerStartupTests {
    /// Runs the backend with `yaml` (`$PORT` replaced by a port that is bound, not listening, for the whole run).
    func runWithTakenPort(_ yaml: String) async throws -> (port: Int, result: BackendProcess.Result) {
        let taken = try Loopback.refusingPort()
        defer { close(taken.socket) }
        return try await TemporaryDirectory.with { dir in
            let file = try dir.write("app-config.yaml", yaml.replacingOccurrences(of: "$PORT", with: "\(taken.port)"))
            let result = try await BackendProcess.run(["run", "--config", file], timeout: .seconds(30))
            return (taken.port, result)
        }
    }

    func expectOneLineFailure(_ result: BackendProcess.Result, _ message: String) {
        #expect(result.exitCode == 1)
        let lines = result.stderr.split(separator: "\n").map(String.init)
        #expect(lines.last == "Backend failed to start up: \(message)", "\(result.stderr)")
        #expect(lines.filter { $0.contains("Could not listen") }.count == 1, "\(result.stderr)")
        #expect(!lines.contains { $0.contains(" error ") || $0.contains("Mounted plugin") }, "\(result.stderr)")
        #expect(!result.stderr.contains(") ("), "\(result.stderr)")
    }

    @Test("a taken API port: exit 1, one line naming backend.listen, nothing mounted")
    func busyAPIPort() async throws {
        let (port, result) = try await runWithTakenPort(
            "backend:\n  listen: {host: 127.0.0.1, port: $PORT}\n  metrics: {listen: 127.0.0.1:0}\n")
        expectOneLineFailure(result, "Could not listen on 127.0.0.1:\(port): Address already in use (backend.listen)")
    }

    @Test("a taken metrics port: exit 1, one line naming backend.metrics.listen, before the API server listens")
    func busyMetricsPort() async throws {
        let (port, result) = try await runWithTakenPort(
            "backend:\n  listen: {host: 127.0.0.1, port: 0}\n  metrics: {listen: 127.0.0.1:$PORT}\n")
        expectOneLineFailure(
            result,
            "Could not listen for metrics on 127.0.0.1:\(port): Address already in use (backend.metrics.listen)")
        #expect(!result.stderr.contains("Listening on"), "\(result.stderr)")
    }

    @Test("the sample config's metrics listener takes a free port, so two local backends do not collide")
    func sampleMetricsPort() async throws {
        let result = try await BackendProcess.run(
            ["config", "print", "--format", "json"], currentDirectory: Repository.root)
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        let metrics = (object?["backend"] as? [String: Any])?["metrics"] as? [String: Any]
        #expect(metrics?["listen"] as? String == "127.0.0.1:0")
    }
}
