import Foundation
import Testing

/// The README's "A session with the sample backend", its auth half and its clean-up, run as written: the commands are
/// read from README.md's console blocks, the server is the real `backend` binary in a fresh copy of the sample
/// config, and the other commands run one after the other in one `/bin/sh`, like the second terminal. The whole
/// session runs twice on the same `./data`.
@Suite("README session")
struct ReadmeSessionTests {
    /// One command of the session and the output the README shows for it (`…` stands for anything).
    struct Step: CustomStringConvertible {
        let command: String
        let expected: String

        /// The arguments of `backend`, when the command starts the server (first terminal).
        var serverArguments: [String]? {
            let words = command.split(separator: " ").map(String.init)
            guard words.first == "backend", words.count == 1 || words[1] == "run" else { return nil }
            return Array(words.dropFirst())
        }

        var description: String { "$ \(command)" }
    }

    static let heading = "## A session with the sample backend"

    /// The `$ ` commands of the console blocks of the session's section (up to the next `## ` heading), with their
    /// `\` continuation lines and here-documents, each with the lines shown after it.
    static func steps(of readme: String) throws -> [Step] {
        let lines = readme.components(separatedBy: "\n")
        guard let start = lines.firstIndex(of: heading) else {
            throw BackendProcess.Failure(description: "README.md has no '\(heading)'")
        }
        var steps: [Step] = []
        var index = start + 1
        var inConsole = false
        var command: String?
        var expected: [String] = []
        func finish() {
            if let command {
                let output = expected.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
                steps.append(Step(command: command, expected: output))
            }
            command = nil
            expected = []
        }
        while index < lines.count, !lines[index].hasPrefix("## ") {
            let line = lines[index]
            index += 1
            if !inConsole {
                inConsole = line == "```console"
                continue
            }
            if line == "```" {
                finish()
                inConsole = false
            } else if line.hasPrefix("$ ") {
                finish()
                var text = String(line.dropFirst(2))
                while text.hasSuffix("\\"), index < lines.count {
                    text += "\n" + lines[index]
                    index += 1
                }
                if let range = text.range(of: #"<<-?\s*['"]?(\w+)['"]?"#, options: .regularExpression) {
                    let delimiter = text[range].trimmingCharacters(in: CharacterSet(charactersIn: "<-'\" "))
                    while index < lines.count {
                        text += "\n" + lines[index]
                        index += 1
                        if lines[index - 1] == delimiter { break }
                    }
                }
                command = text
            } else if command != nil {
                expected.append(line)
            }
        }
        return steps
    }

    /// Whether `text` is `pattern`, where each `…` of the pattern stands for any characters (none or more).
    static func matches(_ pattern: String, _ text: String) -> Bool {
        let pattern = Array(pattern.unicodeScalars)
        let text = Array(text.unicodeScalars)
        let wildcard: Unicode.Scalar = "…"
        var p = 0
        var t = 0
        var star: Int?
        var resume = 0
        while t < text.count {
            if p < pattern.count, pattern[p] == wildcard {
                star = p
                resume = t
                p += 1
            } else if p < pattern.count, pattern[p] == text[t] {
                p += 1
                t += 1
            } else if let star {
                p = star + 1
                resume += 1
                t = resume
            } else {
                return false
            }
        }
        while p < pattern.count, pattern[p] == wildcard { p += 1 }
        return p == pattern.count
    }

    /// A scaffolder task as `GET /v2/tasks/:id` answers it, or nil for any other output.
    static func taskStatus(_ output: String) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any],
            object["steps"] != nil, object["templateRef"] != nil
        else { return nil }
        return object["status"] as? String
    }

    /// The repository's sample config and what it references, in a fresh directory (so `./data` is new).
    static func copySample(to dir: TemporaryDirectory) throws {
        let files = FileManager.default
        try files.copyItem(
            at: Repository.path("app-config.yaml"), to: dir.url.appendingPathComponent("app-config.yaml"))
        try files.createDirectory(
            at: dir.url.appendingPathComponent("Examples"), withIntermediateDirectories: true)
        try files.copyItem(
            at: Repository.path("Examples/catalog"), to: dir.url.appendingPathComponent("Examples/catalog"))
    }

    /// The environment of the second terminal: `backend` on `PATH`, and nothing of the test runner's config.
    static func terminalEnvironment(binDirectory: URL) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("APP_CONFIG_") }
        for name in ["BACKEND_ENV", "BACKEND_SECRET", "LOG_FORMAT", "LOG_LEVEL", "TOKEN", "TASK"] {
            environment[name] = nil
        }
        environment["PATH"] = binDirectory.path + ":" + (environment["PATH"] ?? "/usr/bin:/bin")
        return environment
    }

    /// The server of the first terminal, stopped as Ctrl-C stops it.
    final class FirstTerminal {
        var server: BackendProcess?
        var port = 7007

        func start(_ arguments: [String], in directory: URL) async throws -> String {
            try await stop()
            port = try Loopback.freePort()
            let backend = try BackendProcess(
                arguments,
                environment: [
                    "APP_CONFIG_backend_listen_port": "\(port)",
                    "APP_CONFIG_backend_baseUrl": "http://localhost:\(port)",
                ],
                currentDirectory: directory)
            server = backend
            _ = try await backend.waitForListeningPort()
            // The log up to and including the line that says the backend has started.
            let log = backend.stderr
            guard let started = log.range(of: "Backend started") else { return log }
            return String(log[..<(log[started.upperBound...].firstIndex(of: "\n") ?? log.endIndex)])
        }

        func stop() async throws {
            guard let server else { return }
            self.server = nil
            defer { server.stop() }
            server.send(SIGINT)
            let status = try await server.wait(timeout: .seconds(20))
            #expect(status == 0, "Ctrl-C: the server exited with \(status):\n\(server.stderr)")
        }

        deinit { server?.stop() }
    }

    /// Runs every step once: servers in the first terminal, the rest in a new shell; returns how many tasks completed.
    static func runSession(_ steps: [Step], in dir: TemporaryDirectory, binDirectory: URL) async throws -> Int {
        let shell = try ShellSession(
            currentDirectory: dir.url, environment: terminalEnvironment(binDirectory: binDirectory))
        defer { shell.stop() }
        let first = FirstTerminal()
        defer { first.server?.stop() }
        var completedTasks = 0
        for step in steps {
            if let arguments = step.serverArguments {
                let log = try await first.start(arguments, in: dir.url)
                let expected = step.expected.replacingOccurrences(of: ":7007", with: ":\(first.port)")
                #expect(matches(expected, log), "\(step) logged:\n\(log)\nnot what the README shows:\n\(expected)")
                continue
            }
            #expect(first.server != nil || !step.command.contains("localhost:7007"), "\(step) without a server")
            let command = step.command.replacingOccurrences(of: "localhost:7007", with: "localhost:\(first.port)")
            var result = try await shell.run(command)
            // A task runs on after it is submitted: ask again, as the README says, until it has ended.
            let deadline = ContinuousClock.now.advanced(by: .seconds(30))
            while let status = taskStatus(result.output), status == "open" || status == "processing",
                ContinuousClock.now < deadline
            {
                try await Task.sleep(for: .milliseconds(100))
                result = try await shell.run(command)
            }
            if let status = taskStatus(result.output) {
                #expect(status == "completed", "\(step): the task ended \(status):\n\(result.output)")
                if status == "completed" { completedTasks += 1 }
            }
            let output = result.output.trimmingCharacters(in: .whitespacesAndNewlines)
            let expected = step.expected.replacingOccurrences(of: ":7007", with: ":\(first.port)")
            #expect(result.status == 0, "\(step) exited with \(result.status):\n\(output)")
            #expect(matches(expected, output), "\(step) printed:\n\(output)\nnot what the README shows:\n\(expected)")
        }
        // The README ends with Ctrl-C in the first terminal.
        try await first.stop()
        return completedTasks
    }

    @Test("the glob of the README's outputs")
    func glob() {
        #expect(Self.matches(#"{"id":"…"}"#, #"{"id":"6b4b03a1"}"#))
        #expect(Self.matches("a…b…c", "axxbyybc"))
        #expect(Self.matches("…", ""))
        #expect(!Self.matches("a…b", "axxc"))
        #expect(!Self.matches("abc", "abcd"))
    }

    @Test("the session's commands, as README.md writes them, pass twice in a row on the same ./data")
    func sessionRunsTwice() async throws {
        let readme = try String(contentsOf: Repository.path("README.md"), encoding: .utf8)
        let steps = try Self.steps(of: readme)
        // The session as the README tells it: a server without auth, one with, and the commands in between.
        #expect(steps.compactMap(\.serverArguments).count == 2, "\(steps)")
        #expect(steps.count >= 15, "\(steps)")
        #expect(steps.contains { $0.command.contains("backend token create") })
        #expect(steps.last?.command == "rm app-config.local.yaml", "\(steps)")

        try await TemporaryDirectory.with { dir in
            try Self.copySample(to: dir)
            // `backend` on PATH, as the README's export puts it there.
            let bin = dir.url.appendingPathComponent(".bin")
            try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(
                at: bin.appendingPathComponent("backend"), withDestinationURL: BackendProcess.executable)
            for run in 1...2 {
                let completed = try await Self.runSession(steps, in: dir, binDirectory: bin)
                #expect(completed == 2, "run \(run): \(completed) task(s) completed")
                let local = dir.url.appendingPathComponent("app-config.local.yaml")
                #expect(!FileManager.default.fileExists(atPath: local.path), "run \(run) left app-config.local.yaml")
            }
            #expect(FileManager.default.fileExists(atPath: dir.url.appendingPathComponent("data").path))
        }
    }
}
