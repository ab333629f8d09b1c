import Foundation

extension BackendHostOptions {
    /// Options from command-line arguments, for a hand-written `main.swift`:
    /// `--config FILE` (repeatable), `--env development|production` and `--plugins a,b`
    /// (`--name=value` works too). The first element (the program path) is skipped.
    ///
    /// - Throws: ``BackendStartupError`` for an unknown option, a missing value or an invalid environment.
    public init(arguments: [String]) throws {
        self.init()
        var remaining = arguments.dropFirst()[...]
        while let argument = remaining.popFirst() {
            let name: Substring
            var value: String?
            if let equals = argument.firstIndex(of: "="), argument.hasPrefix("--") {
                name = argument[..<equals]
                value = String(argument[argument.index(after: equals)...])
            } else {
                name = Substring(argument)
            }
            guard ["--config", "--env", "--plugins"].contains(name) else {
                throw BackendStartupError(
                    "Unknown argument '\(argument)'; expected --config FILE, --env ENV or --plugins IDS")
            }
            if value == nil {
                value = remaining.popFirst()
            }
            guard let value, !value.isEmpty else {
                throw BackendStartupError("Missing value for \(name)")
            }
            switch name {
            case "--config":
                configPaths.append(value)
            case "--env":
                do {
                    environment = try BackendEnvironment(parsing: value, origin: "--env")
                } catch {
                    throw BackendStartupError("\(error)")
                }
            default:
                pluginIds = value.split(separator: ",").map { String($0.trimmingCharacters(in: .whitespaces)) }
            }
        }
    }
}
