import Foundation
import NIOConcurrencyHelpers

/// A PostgreSQL server of one test's own, for tests that stop and start it: the shared server of
/// `BACKEND_TEST_POSTGRES_URL` serves other tests at the same time and must never go down.
///
/// As `scripts/with-postgres` does: initialised into a temporary folder (password authentication for the superuser
/// `postgres`), listening on 127.0.0.1 on a port that was free, run as the user `postgres` through `runuser` when the
/// tests run as root. ``with(_:)`` stops it (`pg_ctl stop -m immediate`) and deletes the folder however the test
/// ends (a test process that is killed leaves the server running; its folder names it). A test that needs one declares `.enabled(if: PrivatePostgres.isAvailable, …)`, so it is skipped, saying
/// why, only where the server binaries are not installed.
///
/// ```swift
/// @Test(.enabled(if: PrivatePostgres.isAvailable, "PostgreSQL server binaries are not installed"))
/// func survivesAnOutage() async throws {
///     try await PrivatePostgres.with { server in
///         … server.url …
///         try await server.stop()
///         try await server.start()
///     }
/// }
/// ```
public final class PrivatePostgres: @unchecked Sendable {
    /// The superuser's password (a throwaway server on loopback).
    public static let password = "private-test-password"

    /// The port the server listens on, the same across restarts.
    public let port: Int
    /// The folder holding the cluster, its socket and its log.
    private let folder: URL
    private let binaries: URL
    /// The running server (`postgres` in the foreground, through `runuser` as root) and the server's processes
    /// that ``freeze()`` stopped.
    private let processes = NIOLockedValueBox<(server: Process?, frozen: [pid_t])>((nil, []))

    /// `postgresql://postgres:<password>@127.0.0.1:<port>`.
    public var url: String { "postgresql://postgres:\(Self.password)@127.0.0.1:\(port)" }

    /// The newest `/usr/lib/postgresql/<version>/bin` with `initdb`, `pg_ctl`, `pg_isready` and `postgres`, if any.
    static let installedBinaries: URL? = {
        let root = URL(fileURLWithPath: "/usr/lib/postgresql")
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        return
            versions
            .sorted { $0.compare($1, options: .numeric) == .orderedAscending }
            .map { root.appendingPathComponent($0).appendingPathComponent("bin") }
            .last { bin in
                ["initdb", "pg_ctl", "pg_isready", "postgres"].allSatisfy {
                    FileManager.default.isExecutableFile(atPath: bin.appendingPathComponent($0).path)
                }
            }
    }()

    /// Whether a private server can be started here: the server binaries are installed and, when running as root,
    /// there is a `postgres` user to run them as.
    public static var isAvailable: Bool {
        installedBinaries != nil && (getuid() != 0 || getpwnam("postgres") != nil)
    }

    private init(port: Int, folder: URL, binaries: URL) {
        self.port = port
        self.folder = folder
        self.binaries = binaries
    }

    /// Initialises and starts a server, runs `body` with it, then stops it and deletes its folder, also when `body`
    /// throws.
    public static func with<R>(_ body: (PrivatePostgres) async throws -> R) async throws -> R {
        guard let binaries = installedBinaries else {
            throw TestSetupError("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
        }
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("backend-private-postgres-\(UUID().uuidString.prefix(8))", isDirectory: true)
        try FileManager.default.createDirectory(
            at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        let server = PrivatePostgres(port: try freePort(), folder: folder, binaries: binaries)
        defer { try? FileManager.default.removeItem(at: folder) }
        do {
            try await server.initialise()
            try await server.start()
            let result = try await body(server)
            server.resume()
            try? await server.stop()
            return result
        } catch {
            server.resume()
            try? await server.stop()
            throw error
        }
    }

    /// Starts the server (again) on ``port`` and waits until it accepts connections.
    ///
    /// The server runs in the foreground as this process's child rather than daemonised by `pg_ctl start`: a daemon
    /// would inherit the descriptor through which Foundation learns that `pg_ctl` exited, and `pg_ctl` would never
    /// seem to end.
    public func start() async throws {
        let log = try FileHandle(forWritingTo: try file("server.log"))
        try log.seekToEnd()
        let process = serverUserProcess(
            "postgres", "-D", cluster, "-c", "listen_addresses=127.0.0.1", "-p", "\(port)", "-k", folder.path,
            "-c", "max_connections=60")
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try? log.close()
        processes.withLockedValue { $0.server = process }
        let deadline = ContinuousClock.now + .seconds(60)
        while try await run(
            binaries.appendingPathComponent("pg_isready").path, ["-h", "127.0.0.1", "-p", "\(port)", "-q"])
            != 0
        {
            guard process.isRunning else {
                throw TestSetupError("postgres exited with \(process.terminationStatus):\n\(serverLog)")
            }
            guard ContinuousClock.now < deadline else {
                throw TestSetupError("postgres did not accept connections within 60 s:\n\(serverLog)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Stops the server at once, as a crash would (`pg_ctl stop -m immediate`): connections are cut, nothing is
    /// flushed beyond what was committed, and the next start recovers from the write-ahead log. Returns once the
    /// server process has exited.
    public func stop() async throws {
        guard let process = processes.withLockedValue({ $0.server }) else { return }
        try await runAsServerUser("pg_ctl", "-D", cluster, "-m", "immediate", "-w", "stop")
        let deadline = ContinuousClock.now + .seconds(30)
        while process.isRunning {
            guard ContinuousClock.now < deadline else { throw TestSetupError("postgres did not exit within 30 s") }
            try await Task.sleep(for: .milliseconds(20))
        }
        processes.withLockedValue { $0.server = nil }
    }

    /// Freezes the server as a hung host or a cut network would look to its clients: the postmaster and every
    /// backend get `SIGSTOP`, so connections stay open and nothing answers. Returns once each is stopped.
    /// ``resume()`` undoes it (call it in a `defer`); ``with(_:)`` resumes before stopping the server.
    public func freeze() async throws {
        let postmaster = try postmasterPID()
        // The postmaster first, so that it starts no new backend meanwhile.
        var stopped = [postmaster]
        processes.withLockedValue { $0.frozen = stopped }
        kill(postmaster, SIGSTOP)
        for child in Self.children(of: postmaster) {
            stopped.append(child)
            processes.withLockedValue { $0.frozen = stopped }
            kill(child, SIGSTOP)
        }
        let deadline = ContinuousClock.now + .seconds(10)
        while !stopped.allSatisfy({ Self.state(of: $0) == "T" }) {
            guard ContinuousClock.now < deadline else { throw TestSetupError("postgres did not stop within 10 s") }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Lets the processes ``freeze()`` stopped run again (`SIGCONT`); does nothing when none are stopped.
    public func resume() {
        let stopped = processes.withLockedValue { processes in
            defer { processes.frozen = [] }
            return processes.frozen
        }
        for pid in stopped.reversed() { kill(pid, SIGCONT) }
    }

    /// The postmaster's process id, from the first line of `postmaster.pid`.
    private func postmasterPID() throws -> pid_t {
        let text = try String(contentsOfFile: "\(cluster)/postmaster.pid", encoding: .utf8)
        guard let line = text.split(separator: "\n").first, let pid = pid_t(line) else {
            throw TestSetupError("no process id in \(cluster)/postmaster.pid")
        }
        return pid
    }

    /// The processes whose parent is `parent`, from `/proc`.
    private static func children(of parent: pid_t) -> [pid_t] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { pid_t($0) }.filter { statFields(of: $0).dropFirst().first == "\(parent)" }
    }

    /// The state letter of `pid` (`T` when stopped), from `/proc/<pid>/stat`.
    private static func state(of pid: pid_t) -> String? {
        statFields(of: pid).first
    }

    /// The fields of `/proc/<pid>/stat` after the command name: state, parent, …
    private static func statFields(of pid: pid_t) -> [String] {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let end = text.lastIndex(of: ")")
        else { return [] }
        return text[text.index(after: end)...].split(separator: " ").map(String.init)
    }

    /// The server's log so far (for failure messages).
    public var serverLog: String {
        (try? String(contentsOf: folder.appendingPathComponent("server.log"), encoding: .utf8)) ?? ""
    }

    private var cluster: String { folder.appendingPathComponent("db").path }

    private func initialise() async throws {
        let passwordFile = folder.appendingPathComponent("pwfile")
        try Data("\(Self.password)\n".utf8).write(to: passwordFile)
        if getuid() == 0 {
            for path in [folder.path, passwordFile.path] {
                try FileManager.default.setAttributes([.ownerAccountName: "postgres"], ofItemAtPath: path)
            }
        }
        // No fsync for the initial files (a throwaway cluster); the server itself keeps its defaults, so a commit is
        // durable across `stop()` as in production.
        try await runAsServerUser(
            "initdb", "-D", cluster, "-U", "postgres", "--auth=scram-sha-256", "--pwfile=\(passwordFile.path)",
            "--no-sync")
    }

    /// An empty file `name` in the folder, created if missing.
    private func file(_ name: String) throws -> URL {
        let url = folder.appendingPathComponent(name)
        if !FileManager.default.fileExists(atPath: url.path) {
            guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
                throw TestSetupError("cannot create \(url.path)")
            }
        }
        return url
    }

    /// A process running the server binary `tool`, as `postgres` (through `runuser`) when this process is root:
    /// the server tools refuse to run as root.
    private func serverUserProcess(_ tool: String, _ arguments: String...) -> Process {
        serverUserProcess(tool, arguments)
    }

    private func serverUserProcess(_ tool: String, _ arguments: [String]) -> Process {
        let binary = binaries.appendingPathComponent(tool).path
        let process = Process()
        if getuid() == 0 {
            process.executableURL = URL(fileURLWithPath: "/usr/sbin/runuser")
            process.arguments = ["-u", "postgres", "--", binary] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = arguments
        }
        return process
    }

    /// Runs the server binary `tool` to completion as the server's user; throws with its output and the server log
    /// when it fails.
    private func runAsServerUser(_ tool: String, _ arguments: String...) async throws {
        let output = try file("\(tool).out")
        let process = serverUserProcess(tool, arguments)
        let status = try await Self.wait(for: process, output: output)
        guard status == 0 else {
            let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
            throw TestSetupError(
                "\(tool) \(arguments.joined(separator: " ")) exited with \(status):\n\(text)\n\(serverLog)")
        }
    }

    /// Runs `executable` to completion as this process's user; returns its exit status.
    private func run(_ executable: String, _ arguments: [String]) async throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        return try await Self.wait(for: process, output: try file("probe.out"))
    }

    /// Starts `process` with its output appended to `output` and waits for it to exit; returns its status.
    private static func wait(for process: Process, output: URL) async throws -> Int32 {
        let handle = try FileHandle(forWritingTo: output)
        defer { try? handle.close() }
        try handle.seekToEnd()
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        return try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
    }

    /// A loopback port that was free a moment ago.
    private static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw TestSetupError("cannot bind a probe socket on 127.0.0.1") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
