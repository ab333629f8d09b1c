import Foundation
import NIOConcurrencyHelpers

/// The built `backend` executable, run as a real OS process, with its output captured.
///
/// Tests use ``BackendProcess/run(_:environment:stdin:currentDirectory:)`` for one-shot commands and
/// ``BackendProcess/withServer(arguments:environment:currentDirectory:_:)`` for servers, which always stops the
/// process, also when the body throws.
final class BackendProcess: Sendable {
    /// Output of a finished command.
    struct Result: Sendable {
        let exitCode: Int32
        let stdout: String
        let stderr: String
    }

    /// What went wrong while driving the process.
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// What one pipe delivered: its bytes, and whether it reached end of file (every byte the process wrote to it
    /// has been captured).
    struct Stream: Sendable {
        var bytes: [UInt8] = []
        var closed = false
    }

    /// The child's standard output and error, filled from pipe handlers on other threads.
    final class Output: Sendable {
        let streams = NIOLockedValueBox<(stdout: Stream, stderr: Stream)>((Stream(), Stream()))

        /// The pipe handler: appends what is readable, or at end of file marks the pipe closed.
        func capture(_ handle: FileHandle, into keyPath: WritableKeyPath<(stdout: Stream, stderr: Stream), Stream>) {
            let data = handle.availableData
            if data.isEmpty { handle.readabilityHandler = nil }
            streams.withLockedValue { streams in
                if data.isEmpty {
                    streams[keyPath: keyPath].closed = true
                } else {
                    streams[keyPath: keyPath].bytes += data
                }
            }
        }

        /// Whether both pipes reached end of file.
        var closed: Bool { streams.withLockedValue { $0.stdout.closed && $0.stderr.closed } }
    }

    /// The child process.
    let process: Process
    private let output = Output()

    /// The `backend` binary next to the test bundle (`swift build` puts every product in one folder),
    /// or `BACKEND_BINARY` when set.
    static var executable: URL {
        if let override = ProcessInfo.processInfo.environment["BACKEND_BINARY"] {
            return URL(fileURLWithPath: override)
        }
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = testBinary.deletingLastPathComponent()
        // On Linux the runner is `<bin>/<package>PackageTests.xctest`; on macOS it sits inside a bundle.
        while directory.path != "/" {
            let candidate = directory.appendingPathComponent("backend")
            if FileManager.default.isExecutableFile(atPath: candidate.path) {
                return candidate
            }
            directory = directory.deletingLastPathComponent()
        }
        return testBinary.deletingLastPathComponent().appendingPathComponent("backend")
    }

    /// Starts `backend <arguments>` (or another `executable`, such as a helper server for a test).
    init(
        _ arguments: [String],
        environment: [String: String] = [:],
        stdin: String? = nil,
        currentDirectory: URL? = nil,
        executable: URL? = nil
    ) throws {
        let process = Process()
        process.executableURL = executable ?? Self.executable
        process.arguments = arguments
        // A clean slate: the caller's BACKEND_ENV and APP_CONFIG_ overrides must not leak into the tests.
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("APP_CONFIG_") }
        env["BACKEND_ENV"] = nil
        // Text log lines on standard error, which the tests read, also in production; a test of the JSON format
        // sets LOG_FORMAT itself.
        env["LOG_FORMAT"] = "text"
        env.merge(environment) { _, new in new }
        process.environment = env
        if let currentDirectory {
            process.currentDirectoryURL = currentDirectory
        }
        let outPipe = Pipe()
        let errPipe = Pipe()
        let inPipe = Pipe()
        process.standardOutput = outPipe
        process.standardError = errPipe
        process.standardInput = inPipe
        self.process = process
        outPipe.fileHandleForReading.readabilityHandler = { [output] handle in
            output.capture(handle, into: \.stdout)
        }
        errPipe.fileHandleForReading.readabilityHandler = { [output] handle in
            output.capture(handle, into: \.stderr)
        }
        try process.run()
        if let stdin {
            inPipe.fileHandleForWriting.write(Data(stdin.utf8))
        }
        try inPipe.fileHandleForWriting.close()
    }

    /// Everything the process wrote to standard output so far.
    var stdout: String { output.streams.withLockedValue { String(decoding: $0.stdout.bytes, as: UTF8.self) } }
    /// Everything the process wrote to standard error so far.
    var stderr: String { output.streams.withLockedValue { String(decoding: $0.stderr.bytes, as: UTF8.self) } }

    /// Waits for the process to exit, killing it after `timeout`.
    func wait(timeout: Duration = .seconds(60)) async throws -> Int32 {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while process.isRunning {
            if ContinuousClock.now > deadline {
                kill(process.processIdentifier, SIGKILL)
                throw Failure(description: "backend did not exit within \(timeout); stderr:\n\(stderr)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        // The process has exited, but the handlers may not have read what it wrote last: wait for end of file on both
        // pipes (a fixed pause lost the end of `config schema`'s output on a busy machine). A child the process left
        // behind could hold a pipe open, so this wait is bounded too.
        let drained = ContinuousClock.now.advanced(by: .seconds(10))
        while !output.closed, ContinuousClock.now < drained {
            try await Task.sleep(for: .milliseconds(5))
        }
        return process.terminationStatus
    }

    /// Sends `signal` to the process.
    func send(_ signal: Int32) {
        if process.isRunning {
            kill(process.processIdentifier, signal)
        }
    }

    /// Stops the process for good (SIGKILL) if it is still running.
    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    /// Waits until standard error contains `Listening on host:port` and, unless `ready` is false, `Backend started`
    /// (every plugin has registered); returns the port.
    func waitForListeningPort(timeout: Duration = .seconds(30), ready: Bool = true) async throws -> Int {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while ContinuousClock.now < deadline {
            let text = stderr + stdout
            if !ready || text.contains("Backend started"),
                let range = text.range(of: #"Listening on [^\s:]+:(\d+)"#, options: .regularExpression)
            {
                let match = String(text[range])
                if let port = match.split(separator: ":").last.flatMap({ Int($0) }) {
                    return port
                }
            }
            if !process.isRunning {
                throw Failure(
                    description: "backend exited with \(process.terminationStatus) before listening:\n\(text)")
            }
            try await Task.sleep(for: .milliseconds(25))
        }
        throw Failure(description: "backend did not log 'Listening on' within \(timeout):\n\(stderr)")
    }

    /// Waits until the output contains `Metrics listening on host:port`; returns the port.
    func waitForMetricsPort(timeout: Duration = .seconds(30)) async throws -> Int {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while ContinuousClock.now < deadline {
            let text = stderr + stdout
            if let range = text.range(of: #"Metrics listening on [^\s:]+:(\d+)"#, options: .regularExpression),
                let port = text[range].split(separator: ":").last.flatMap({ Int($0) })
            {
                return port
            }
            if !process.isRunning {
                throw Failure(description: "backend exited with \(process.terminationStatus):\n\(text)")
            }
            try await Task.sleep(for: .milliseconds(25))
        }
        throw Failure(description: "backend did not log 'Metrics listening on' within \(timeout):\n\(stderr)")
    }

    /// Runs `backend <arguments>` (or another `executable`) to completion, killing it after `timeout`.
    static func run(
        _ arguments: [String],
        environment: [String: String] = [:],
        stdin: String? = nil,
        currentDirectory: URL? = nil,
        timeout: Duration = .seconds(60),
        executable: URL? = nil
    ) async throws -> Result {
        let backend = try BackendProcess(
            arguments,
            environment: environment,
            stdin: stdin,
            currentDirectory: currentDirectory,
            executable: executable
        )
        defer { backend.stop() }
        let code = try await backend.wait(timeout: timeout)
        return Result(exitCode: code, stdout: backend.stdout, stderr: backend.stderr)
    }

    /// Starts a server process, waits until it listens, runs `body` with it and its port, and always stops it.
    static func withServer<T>(
        arguments: [String],
        environment: [String: String] = [:],
        currentDirectory: URL? = nil,
        _ body: (BackendProcess, Int) async throws -> T
    ) async throws -> T {
        let backend = try BackendProcess(arguments, environment: environment, currentDirectory: currentDirectory)
        defer { backend.stop() }
        let port = try await backend.waitForListeningPort()
        return try await body(backend, port)
    }
}
