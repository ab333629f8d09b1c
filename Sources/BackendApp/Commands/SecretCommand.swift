import ArgumentParser
import BackendAuth

/// `backend secret`: prints a new random secret for `backend.auth.keys`.
struct SecretCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "secret",
        abstract: "Print a new random base64 secret for backend.auth.keys."
    )

    @Option(help: "Number of random bytes (1...1024).")
    var bytes: Int = 32

    func validate() throws {
        guard (1...1024).contains(bytes) else {
            throw ValidationError("--bytes must be between 1 and 1024, got \(bytes).")
        }
    }

    func run() throws {
        do {
            print(try generateSecret(bytes: bytes))
        } catch {
            throw CommandFailure("Could not generate a secret: \(error)")
        }
    }
}
