import Foundation
import NIOConcurrencyHelpers

/// A long-lived `/bin/sh` fed commands one at a time, as a user types them into a terminal: shell variables set by
/// one command (`TOKEN=$(…)`) are there for the next. Standard output and standard error go to one pipe, in the
/// order the terminal would show them.
final class ShellSession: Sendable {
    /// What one command printed and its exit status.
    struct Result: Sendable {
        let output: String
        let status: Int32
    }

    let process: Process
    private let input: FileHandle
    /// The bytes the shell printed since the current command was sent; filled from a pipe handler.
    final class Buffer: Sendable {
        let bytes = NIOLockedValueBox<[UInt8]>([])
    }

    private let buffer = Buffer()
    /// Printed after each command, with its status; nothing a command prints contains it.
    private let marker = "__shell_session_done_\(UUID().uuidString)__"

    init(currentDirectory: URL, environment: [String: String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.currentDirectoryURL = currentDirectory
        process.environment = environment
        let output = Pipe()
        let input = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = input
        output.fileHandleForReading.readabilityHandler = { [buffer] handle in
            let data = handle.availableData
            buffer.bytes.withLockedValue { $0 += data }
        }
        self.process = process
        self.input = input.fileHandleForWriting
        try process.run()
    }

    /// Runs `command` (which may span lines: continuations, here-documents) and returns what it printed.
    func run(_ command: String, timeout: Duration = .seconds(60)) async throws -> Result {
        buffer.bytes.withLockedValue { $0.removeAll() }
        let script = "\(command)\nprintf '\\n%s %s\\n' '\(marker)' \"$?\"\n"
        try input.write(contentsOf: Data(script.utf8))
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while true {
            let text = buffer.bytes.withLockedValue { String(decoding: $0, as: UTF8.self) }
            if let range = text.range(of: "\n\(marker) "), let end = text[range.upperBound...].firstIndex(of: "\n") {
                let status = Int32(text[range.upperBound..<end]) ?? -1
                return Result(output: String(text[..<range.lowerBound]), status: status)
            }
            if !process.isRunning {
                throw BackendProcess.Failure(description: "the shell exited while running:\n\(command)\n\(text)")
            }
            if ContinuousClock.now > deadline {
                throw BackendProcess.Failure(description: "no answer within \(timeout) from:\n\(command)\n\(text)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Ends the shell (and with it nothing else: commands ran in the foreground).
    func stop() {
        try? input.close()
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}
