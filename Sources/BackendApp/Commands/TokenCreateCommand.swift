import ArgumentParser
import BackendAuth
import Logging

/// `backend token create`: prints a server token signed with the first configured key.
struct TokenCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Print a server token (valid one hour) signed with the first configured key."
    )

    @OptionGroup var keys: KeySourceOptions

    func run() async throws {
        let manager = try keys.makeManager(allowManySecrets: false, logger: Logger(label: "backend.token"))
        let token: ServerToken
        do {
            token = try await manager.getToken()
        } catch {
            throw CommandFailure("Could not create a token: \(error)")
        }
        print(token.token)
    }
}
