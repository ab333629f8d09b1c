import Logging
import Testing

@testable import BackendTesting

@Suite struct TestLogsTests {
    /// A capture of a test's own keeps what every logger made from it logged, at each logger's level, with the
    /// call's metadata, and forgets it on `clear()`.
    @Test func aCaptureOfTheTestsOwnRecordsWhatItsLoggersLogged() {
        let logs = TestLogs()
        let info = logs.logger()
        var debug = logs.logger(level: .debug)
        debug[metadataKey: "plugin"] = "hello"
        info.debug("not at info")
        info.info("started", metadata: ["port": "7007"])
        debug.debug("tidied 3 greetings")
        #expect(logs.messages == ["started", "tidied 3 greetings"])
        #expect(logs.entries.map(\.level) == [.info, .debug])
        #expect(logs.entries.first?.metadata["port"] == "7007")
        #expect(logs.entries.last?.metadata["plugin"] == "hello")
        logs.clear()
        #expect(logs.entries.isEmpty)
    }
}
