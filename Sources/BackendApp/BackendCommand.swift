import ArgumentParser
import BackendKit
import Foundation

/// The `backend` command-line tool for a set of plugins: runs the host and offers config, secret, token and
/// topology tools.
///
/// A backend's `main.swift` hands it its plugins:
///
/// ```swift
/// import BackendApp
///
/// await BackendCommand.main(plugins: [HelloPlugin()])
/// ```
///
/// Exit codes are part of the public contract: 0 success, 1 a failure the command reports, 2 bad usage.
public struct BackendCommand: AsyncParsableCommand {
    /// The command's name, abstract and subcommands (`run` by default).
    public static let configuration = CommandConfiguration(
        commandName: "backend",
        abstract: "A miniature plugin backend with Backstage-style service-to-service auth.",
        subcommands: [
            RunCommand.self,
            ConfigCommand.self,
            SecretCommand.self,
            TokenCommand.self,
            TopologyCommand.self,
        ],
        defaultSubcommand: RunCommand.self
    )

    /// The plugins the commands run and check: those given to ``main(plugins:)``. A task local rather than a
    /// stored property because swift-argument-parser creates the subcommands itself.
    @TaskLocal static var plugins: [any BackendPlugin] = []

    /// Creates the command (swift-argument-parser does this when it parses).
    public init() {}

    /// Runs the tool with `plugins` on the process's arguments and exits with the documented code.
    public static func main(plugins: [any BackendPlugin]) async -> Never {
        let code = await $plugins.withValue(plugins) {
            await run(arguments: Array(CommandLine.arguments.dropFirst()))
        }
        Foundation.exit(code)
    }

    /// Parses `arguments`, runs the command, and maps every outcome onto the documented exit codes, returned once
    /// what it prints is printed.
    ///
    /// swift-argument-parser exits with 64 (`EX_USAGE`) on bad usage; our contract says 2, so parsing and
    /// reporting are done here rather than through the default `main()`.
    private static func run(arguments: [String]) async -> Int32 {
        let command: any ParsableCommand
        do {
            command = try parseAsRoot(arguments)
        } catch {
            return report(error, failureCode: 2)
        }
        do {
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                var syncCommand = command
                try syncCommand.run()
            }
            return 0
        } catch let failure as CommandFailure {
            if !failure.message.isEmpty {
                StandardError.write(failure.message)
            }
            return failure.exitCode
        } catch {
            // Help requests, validation errors thrown from `validate()`/`run()` and anything else.
            return report(error, failureCode: exitCode(for: error) == .validationFailure ? 2 : 1)
        }
    }

    /// Prints a help request on stdout (exit code 0), or the error on stderr (`failureCode`); returns the code.
    private static func report(_ error: any Error, failureCode: Int32) -> Int32 {
        if exitCode(for: error) == .success {
            print(fullMessage(for: error))
            return 0
        }
        StandardError.write(fullMessage(for: error))
        return failureCode
    }
}
