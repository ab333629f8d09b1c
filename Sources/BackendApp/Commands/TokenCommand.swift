import ArgumentParser

/// `backend token`: mint and check service-to-service tokens from the command line.
struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Create or verify service-to-service tokens.",
        subcommands: [TokenCreateCommand.self, TokenVerifyCommand.self]
    )
}
