import ArgumentParser
import BackendAuth
import Foundation
import Logging

/// `backend token verify`: exit 0 when the token is valid, 1 with the reason on standard error otherwise.
struct TokenVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check a server token against the configured keys (exit 0 valid, 1 invalid).",
        discussion: "Reads the token from standard input when TOKEN is '-' or omitted."
    )

    @Argument(help: "The token, or '-' to read it from standard input.")
    var token: String?

    @OptionGroup var keys: KeySourceOptions

    func run() async throws {
        let manager = try keys.makeManager(allowManySecrets: true, logger: Logger(label: "backend.token"))
        let candidate = token == nil || token == "-" ? Self.readStandardInput() : token ?? ""
        do {
            try await manager.authenticate(candidate)
        } catch let error as AuthenticationError {
            throw CommandFailure(error.message)
        } catch {
            throw CommandFailure("\(error)")
        }
        StandardError.write("Token is valid.")
    }

    /// Reads all of standard input, dropping one trailing line break so `echo "$TOKEN" |` works.
    ///
    /// Other surrounding whitespace is kept: a token with spaces around it is invalid and verify says so.
    static func readStandardInput() -> String {
        var bytes = Array(FileHandle.standardInput.readDataToEndOfFile())
        if bytes.last == UInt8(ascii: "\n") {
            bytes.removeLast()
            if bytes.last == UInt8(ascii: "\r") {
                bytes.removeLast()
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
