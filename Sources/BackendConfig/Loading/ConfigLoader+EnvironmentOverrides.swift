import BackendJSON
import Foundation

extension ConfigLoader {
    /// The `APP_CONFIG_` overrides as an object tree with source `env`, or `nil` when there are none.
    ///
    /// `APP_CONFIG_a_b_c=value` sets `a.b.c`; each part must match `[A-Za-z][A-Za-z0-9-]*`. The value is
    /// parsed as JSON (`7008` → number, `true` → boolean, `{"x":1}` → object), else used as a string.
    ///
    /// - Throws: `ConfigError` for a JSON `null` value, an invalid key, or two variables that set both a
    ///   key and something nested under it.
    func environmentOverrides() throws -> ConfigNode? {
        let names = environment.keys.filter { $0.hasPrefix(Self.environmentPrefix) }.sorted()
        guard !names.isEmpty else { return nil }
        var root = NodeObject()
        var owners: [String: String] = [:]
        for name in names {
            let parts = name.dropFirst(Self.environmentPrefix.count).split(
                separator: "_", omittingEmptySubsequences: false
            ).map(String.init)
            guard parts.allSatisfy(Self.isValidKeyPart) else {
                throw ConfigError("Invalid config key in environment variable \(name)")
            }
            let value = try overrideValue(name: name, text: environment[name] ?? "")
            try Self.insert(value, at: parts[...], into: &root, variable: name, owners: &owners, path: "")
        }
        return ConfigNode(.object(root), source: .environment)
    }

    private static func isValidKeyPart(_ part: String) -> Bool {
        guard let first = part.unicodeScalars.first, first.isASCII, first.properties.isAlphabetic else {
            return false
        }
        return part.unicodeScalars.allSatisfy {
            $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-")
        }
    }

    private func overrideValue(name: String, text: String) throws -> ConfigNode {
        let isJSON = (try? JSONValue(parsing: text)) != nil
        let source = ConfigSource.environment(variable: name)
        guard isJSON, let node = try? YAMLParser(source: source).parse(Array(text.utf8), requireObject: false)
        else {
            return ConfigNode(.string(text), source: source)
        }
        if case .null = node.content {
            throw ConfigError(
                "Environment variable \(name) is null; config values may not be null (unset the variable instead)"
            )
        }
        return node
    }

    private static func insert(
        _ value: ConfigNode, at parts: ArraySlice<String>, into object: inout NodeObject, variable: String,
        owners: inout [String: String], path: String
    ) throws {
        guard let part = parts.first else { return }
        let key = path.isEmpty ? part : "\(path).\(part)"
        let rest = parts.dropFirst()
        if rest.isEmpty {
            if object[part] != nil {
                throw ConfigError(
                    "Environment variable \(variable) conflicts with \(owners[key] ?? "another variable") at '\(key)'"
                )
            }
            object.set(part, value)
            owners[key] = variable
            return
        }
        var child = NodeObject()
        if let existing = object[part] {
            guard case .object(let existingObject) = existing.content, owners[key] == nil else {
                throw ConfigError(
                    "Environment variable \(variable) conflicts with \(owners[key] ?? "another variable") at '\(key)'"
                )
            }
            child = existingObject
        }
        try insert(value, at: rest, into: &child, variable: variable, owners: &owners, path: key)
        object.set(part, ConfigNode(.object(child), source: object[part]?.source ?? .environment(variable: variable)))
    }
}
