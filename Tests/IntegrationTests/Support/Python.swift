import Foundation

/// Runs Python snippets as an external oracle (PyJWT), installed by `scripts/bootstrap`.
enum Python {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Runs `python3 -c script args…` and returns its standard output without the trailing newline.
    static func run(_ script: String, _ arguments: [String] = []) async throws -> String {
        let result = try await BackendProcess.run(
            ["python3", "-c", script] + arguments,
            executable: URL(fileURLWithPath: "/usr/bin/env")
        )
        guard result.exitCode == 0 else {
            throw Failure(description: "python3 exited \(result.exitCode): \(result.stderr)")
        }
        return result.stdout.trimmingCharacters(in: .newlines)
    }
}
