import Foundation

@testable import BackendConfig

/// A per-test temporary directory, removed by `withTemporaryDirectory`.
struct TemporaryDirectory {
    let path: String

    /// Writes `contents` to `name` (creating parent directories) and returns the full path.
    @discardableResult
    func write(_ name: String, _ contents: String) throws -> String {
        let full = path + "/" + name
        try FileManager.default.createDirectory(
            atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(contents.utf8).write(to: URL(fileURLWithPath: full))
        return full
    }

    /// A loader rooted at this directory.
    func loader(_ environment: [String: String] = [:]) -> ConfigLoader {
        ConfigLoader(environment: environment, workingDirectory: path)
    }
}

/// Runs `body` with a fresh temporary directory and removes it afterwards.
func withTemporaryDirectory<T>(_ body: (TemporaryDirectory) throws -> T) throws -> T {
    let path = NSTemporaryDirectory() + "backend-config-tests-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try body(TemporaryDirectory(path: path))
}

/// The message of the `ConfigError` thrown by `body`, or `nil` when it does not throw.
func configErrorMessage(_ body: () throws -> Void) -> String? {
    do {
        try body()
        return nil
    } catch let error as ConfigError {
        return error.description
    } catch {
        return "unexpected error: \(error)"
    }
}
