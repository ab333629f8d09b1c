import Foundation

extension Config {
    /// The outcome of resolving a dotted key.
    enum Lookup {
        case found(ConfigNode)
        /// Absent; `missingVariable` names the environment variable that caused it, if any.
        case missing(missingVariable: String?)
        /// A non-object was found where the path needed an object; `key` is the partial key (relative).
        case notAnObject(key: String, node: ConfigNode)
    }

    /// Resolves `key` (dotted path) relative to this config.
    func lookup(_ key: String) -> Lookup {
        let parts = key.split(separator: ".", omittingEmptySubsequences: false)
        var current = node
        for (index, part) in parts.enumerated() {
            guard case .object(let object) = current.content else {
                if index == 0 { return .missing(missingVariable: nil) }
                return .notAnObject(key: parts[0..<index].joined(separator: "."), node: current)
            }
            guard let next = object[String(part)] else { return .missing(missingVariable: nil) }
            switch next.content {
            case .absent(let variable): return .missing(missingVariable: variable)
            case .null: return .missing(missingVariable: nil)
            default: current = next
            }
        }
        return .found(current)
    }

    /// `prefix.key`, or `key` at the root.
    func fullKey(_ key: String) -> String {
        prefix.isEmpty ? key : "\(prefix).\(key)"
    }

    /// Runs `convert` on the value at `key`; `nil` when absent.
    func read<T>(_ key: String, _ convert: (ConfigNode) throws -> T) throws -> T? {
        switch lookup(key) {
        case .found(let found): return try convert(found)
        case .missing: return nil
        case .notAnObject(let partial, let found): throw invalidType(partial, found, wanted: "object")
        }
    }

    /// Returns `read(key)` or throws the missing-value error (with the environment-variable hint).
    func required<T>(_ key: String, _ read: (String) throws -> T?) throws -> T {
        if let value = try read(key) { return value }
        var variable: String?
        if case .missing(let missing) = lookup(key) { variable = missing }
        throw ConfigError.missing(fullKey: fullKey(key), missingVariable: variable)
    }

    func invalidType(_ key: String, _ found: ConfigNode, wanted: String) -> ConfigError {
        ConfigError.invalidType(fullKey: fullKey(key), found, wanted: wanted)
    }

    func unableToConvert(_ key: String, _ found: ConfigNode, to type: String) -> ConfigError {
        ConfigError("Unable to convert config value for key '\(fullKey(key))' in '\(found.source.name)' to a \(type)")
    }

    /// A number, or a string holding a finite number.
    func number(_ key: String, _ found: ConfigNode) throws -> Double {
        switch found.content {
        case .int(let number):
            return Double(number)
        case .double(let number):
            return number
        case .string(let string):
            let trimmed = string.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !trimmed.isEmpty, let number = Double(trimmed), number.isFinite else {
                throw unableToConvert(key, found, to: "number")
            }
            return number
        default:
            throw invalidType(key, found, wanted: "number")
        }
    }
}

extension ConfigError {
    /// `Missing required config value at '<key>'` plus the environment-variable hint.
    static func missing(fullKey: String, missingVariable: String?) -> ConfigError {
        var message = "Missing required config value at '\(fullKey)'"
        if let missingVariable {
            message += " (environment variable \(missingVariable) is not set)"
        }
        return ConfigError(message)
    }

    /// `Invalid type in config for key '<key>' in '<file>', got <type>, wanted <expected>`.
    static func invalidType(fullKey: String, _ found: ConfigNode, wanted: String) -> ConfigError {
        ConfigError(
            "Invalid type in config for key '\(fullKey)' in '\(found.source.name)', got \(found.errorTypeName), wanted \(wanted)"
        )
    }
}
