import Foundation

extension ConfigLoader {
    /// The directive keys recognised in an object that has no other keys.
    static let directiveKeys: Set<String> = ["$env", "$file", "$include"]

    /// Applies substitutions and directives to `node`, which was read from `file`; `key` names it in errors.
    func transform(_ node: ConfigNode, key: String, file: ConfigFile, depth: Int) throws -> ConfigNode {
        guard depth <= Self.maxDepth else {
            throw ConfigError(
                "\(file.displayName): nesting depth limit exceeded (more than \(Self.maxDepth) levels) at '\(key)'"
            )
        }
        switch node.content {
        case .string(let text):
            switch substitute(text) {
            case .value(let value): return ConfigNode(.string(value), source: node.source)
            case .missing(let variable): return ConfigNode(.absent(missingVariable: variable), source: node.source)
            }
        case .array(let items):
            var output: [ConfigNode] = []
            output.reserveCapacity(items.count)
            for (index, item) in items.enumerated() {
                let transformed = try transform(item, key: "\(key)[\(index)]", file: file, depth: depth + 1)
                if case .absent = transformed.content { continue }
                output.append(transformed)
            }
            return ConfigNode(.array(output), source: node.source)
        case .object(let object):
            if let directive = object.keys.first(where: Self.directiveKeys.contains) {
                guard object.count == 1, let argument = object[directive] else {
                    throw ConfigError(
                        "\(file.displayName): \(directive) at '\(key)' must be the only key in its object"
                    )
                }
                return try apply(directive, argument, key: key, file: file, depth: depth)
            }
            var output = NodeObject()
            for (childKey, child) in object.entries {
                let path = key.isEmpty ? childKey : "\(key).\(childKey)"
                output.set(childKey, try transform(child, key: path, file: file, depth: depth + 1))
            }
            return ConfigNode(.object(output), source: node.source)
        default:
            return node
        }
    }

    private func apply(
        _ directive: String, _ argument: ConfigNode, key: String, file: ConfigFile, depth: Int
    ) throws -> ConfigNode {
        guard case .string(let text) = argument.content else {
            throw ConfigError(
                "\(file.displayName): \(directive) at '\(key)' must be a string, got \(argument.typeName)"
            )
        }
        switch directive {
        case "$env":
            let name = text.trimmingCharacters(in: .whitespaces)
            guard let value = environment[name] else {
                return ConfigNode(.absent(missingVariable: name), source: file.source)
            }
            return ConfigNode(.string(value), source: file.source)
        case "$file":
            let target = file.relative(text)
            let bytes = try Self.readFile(at: target.path) { problem in
                ConfigError("\(file.displayName): $file at '\(key)': '\(target.displayName)' \(problem)")
            }
            let content = String(decoding: bytes, as: UTF8.self)
            let trimmed = String(content.reversed().drop(while: \.isWhitespace).reversed())
            return ConfigNode(.string(trimmed), source: file.source)
        default:
            return try include(text, key: key, file: file, depth: depth)
        }
    }

    private func include(_ reference: String, key: String, file: ConfigFile, depth: Int) throws -> ConfigNode {
        let pathPart: String
        let fragment: String?
        if let hash = reference.firstIndex(of: "#") {
            pathPart = String(reference[..<hash])
            fragment = String(reference[reference.index(after: hash)...])
        } else {
            pathPart = reference
            fragment = nil
        }
        let target = file.relative(pathPart)
        let prefix = "\(file.displayName): $include at '\(key)'"
        if file.chainPaths.contains(target.path) {
            throw ConfigError("\(prefix): include cycle \(target.chain.joined(separator: " -> "))")
        }
        let fileExtension = (target.path as NSString).pathExtension.lowercased()
        guard ["yaml", "yml", "json"].contains(fileExtension) else {
            throw ConfigError(
                "\(prefix): unsupported file type '\(target.displayName)' (expected .yaml, .yml or .json)"
            )
        }
        let bytes = try Self.readFile(at: target.path) { problem in
            ConfigError("\(prefix): '\(target.displayName)' \(problem)")
        }
        var node = try YAMLParser(source: target.source).parse(bytes, requireObject: false)
        if let fragment, !fragment.isEmpty {
            for part in fragment.split(separator: ".", omittingEmptySubsequences: false) {
                guard case .object(let object) = node.content, let next = object[String(part)], !next.isUnset
                else {
                    throw ConfigError("\(prefix): no value at '\(fragment)' in '\(target.displayName)'")
                }
                node = next
            }
        }
        return try transform(node, key: key, file: target, depth: depth)
    }
}
