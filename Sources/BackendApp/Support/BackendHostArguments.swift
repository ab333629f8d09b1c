import ArgumentParser
import BackendConfig
import BackendKit
import BackendRuntime
import Foundation

/// The host's command-line options: `--config FILE` (repeatable), `--env development|production` and
/// `--plugins a,b`. The one parser of them: `backend run` includes it as an option group and
/// ``BackendHostOptions/init(arguments:)`` parses with it, so both accept the same flags with the same messages.
///
/// ```swift
/// struct Serve: AsyncParsableCommand {
///     @OptionGroup var host: BackendHostArguments
///     func run() async throws {
///         var options = BackendHostOptions()
///         host.apply(to: &options)
///         await BackendHost(options: options).runMain(plugins: [HelloPlugin()])
///     }
/// }
/// ```
public struct BackendHostArguments: ParsableArguments, Sendable {
    /// `--config FILE`, repeatable; later files win.
    @Option(
        name: .customLong("config"),
        help: ArgumentHelp(
            "A config file to load; repeatable, later files win. Default: app-config.yaml and app-config.local.yaml.",
            valueName: "file"))
    public var configPaths: [String] = []

    /// `--env development|production`; absent reads `BACKEND_ENV`.
    @Option(name: .customLong("env"), help: "development (default) or production. Default: BACKEND_ENV.")
    public var environment: BackendEnvironment?

    /// `--plugins a,b`: the ids of the plugins to run; absent runs all.
    @Option(
        name: .customLong("plugins"),
        help: ArgumentHelp("Comma-separated plugin ids to run.", valueName: "ids"),
        transform: BackendHostArguments.pluginList)
    public var pluginIds: [String]?

    /// No options set.
    public init() {}

    /// Sets the options these arguments name, leaving the others as they are.
    public func apply(to options: inout BackendHostOptions) {
        if !configPaths.isEmpty { options.configPaths = configPaths }
        if let environment { options.environment = environment }
        if let pluginIds { options.pluginIds = pluginIds }
    }

    /// Splits `a, b` into ids; an empty list or an empty id is a usage error.
    static func pluginList(_ text: String) throws -> [String] {
        let ids = text.split(separator: ",", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        guard !ids.contains(where: \.isEmpty) else {
            throw ValidationError("--plugins needs a comma-separated list of plugin ids.")
        }
        return ids
    }
}

extension BackendEnvironment: ExpressibleByArgument {}

extension BackendHostOptions {
    /// Options from command-line arguments, for a hand-written `main.swift`, parsed by
    /// ``BackendHostArguments``. The first element (the program path) is skipped.
    ///
    /// - Throws: ``BackendStartupError`` with the parser's message for an unknown option, a missing value or an
    ///   invalid environment.
    public init(arguments: [String]) throws {
        self.init()
        do {
            let parsed = try BackendHostArguments.parse(Array(arguments.dropFirst()))
            parsed.apply(to: &self)
        } catch {
            throw BackendStartupError(BackendHostArguments.message(for: error))
        }
    }
}
