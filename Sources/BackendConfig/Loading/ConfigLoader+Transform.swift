import Foundation

extension ConfigLoader {
    /// The directive keys recognised in an object that has no other keys.
    static let directiveKeys: Set<String> = ["$env", "$file", "$include"]

    /// Applies substitutions and directives to `node`, which was read from `file`; `key` names it in errors.
    /// Every node of the result is charged to `budget` (see `maxTotalNodes`).
    func transform(
        _ node: ConfigNode, key: String, file: ConfigFile, depth: Int, budget: ConfigLoadBudget
    ) throws -> ConfigNode {
        guard depth <= Self.maxDepth else {
            throw ConfigError(
                "\(file.displayName): nesting depth limit exceeded (more than \(Self.maxDepth) levels) at '\(key)'"
            )
        }
        try budget.spendNodes {
            ConfigError(
                "\(file.displayName): the config tree has more than \(Self.maxTotalNodes) nodes at '\(key)' "
                    + "(counted across all files of this load, after $include expansion; "
                    + "limit ConfigLoader.maxTotalNodes)"
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
                let transformed = try transform(
                    item, key: "\(key)[\(index)]", file: file, depth: depth + 1, budget: budget)
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
                // The result is written where the directive's key is (an included file's values inside it keep
                // their own file and lines).
                var result = try apply(directive, argument, key: key, file: file, depth: depth, budget: budget)
                result.source = node.source
                return result
            }
            var output = NodeObject()
            for (childKey, child) in object.entries {
                let path = key.isEmpty ? childKey : "\(key).\(childKey)"
                output.set(childKey, try transform(child, key: path, file: file, depth: depth + 1, budget: budget))
            }
            return ConfigNode(.object(output), source: node.source)
        default:
            return node
        }
    }

    /// Applies the directive `directive` (`$env`, `$file` or `$include`) with `argument` at `key`.
    private func apply(
        _ directive: String, _ argument: ConfigNode, key: String, file: ConfigFile, depth: Int,
        budget: ConfigLoadBudget
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
            return ConfigNode(.string(try fileText(text, key: key, file: file, budget: budget)), source: file.source)
        default:
            return try include(text, key: key, file: file, depth: depth, budget: budget)
        }
    }

    /// The text of the `$file` target `reference` (trailing whitespace trimmed), read once per load.
    private func fileText(_ reference: String, key: String, file: ConfigFile, budget: ConfigLoadBudget) throws -> String
    {
        let target = file.relative(reference)
        let prefix = "\(file.displayName): $file at '\(key)': '\(target.displayName)'"
        if let cached = budget.fileText(at: target.resolvedPath) {
            // The text is copied into the tree again: it counts against the load's byte budget again.
            try budget.spendFileText(cached.utf8.count) { total in
                ConfigError("\(prefix) \(Self.totalBytesProblem(total))")
            }
            return cached
        }
        let bytes = try Self.readFile(target, budget: budget) { problem in ConfigError("\(prefix) \(problem)") }
        let content = String(decoding: bytes, as: UTF8.self)
        let trimmed = String(content.reversed().drop(while: \.isWhitespace).reversed())
        budget.rememberFileText(trimmed, at: target.resolvedPath)
        // The read paid for this first copy; an enclosing include that is reused pays for it again.
        budget.noteFileText(trimmed.utf8.count)
        return trimmed
    }

    /// Expands `$include: reference` (`path[#a.b]`) found at `key` in `file`: charges the expansion,
    /// refuses cycles (by resolved path) and unsupported file types, and reuses an earlier expansion
    /// of the same target and fragment in this load.
    private func include(
        _ reference: String, key: String, file: ConfigFile, depth: Int, budget: ConfigLoadBudget
    ) throws -> ConfigNode {
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
        let tooManyIncludes = {
            ConfigError(
                "\(prefix): more than \(Self.maxIncludeExpansions) $include expansions in one load "
                    + "(each occurrence counts, also of a file already read; limit ConfigLoader.maxIncludeExpansions)"
            )
        }
        try budget.spendIncludeExpansions(failure: tooManyIncludes)
        if target.isInCycle {
            throw ConfigError("\(prefix): include cycle \(target.chain.joined(separator: " -> "))")
        }
        let fileExtension = (target.path as NSString).pathExtension.lowercased()
        guard ["yaml", "yml", "json"].contains(fileExtension) else {
            throw ConfigError(
                "\(prefix): unsupported file type '\(target.displayName)' (expected .yaml, .yml or .json)"
            )
        }
        let cacheKey = target.resolvedPath + "#" + (fragment ?? "")
        if let expanded = budget.expandedInclude(cacheKey) {
            return try reuse(
                expanded, target: target, key: key, prefix: prefix, depth: depth, budget: budget,
                tooManyIncludes: tooManyIncludes)
        }
        budget.recordIncluded([target.resolvedPath])
        let before = (
            nodes: budget.nodes, includes: budget.includeExpansions, fileText: budget.fileTextBytes,
            included: budget.includedFiles.count
        )
        var node = try parsedFile(target, budget: budget) { problem in
            ConfigError("\(prefix): '\(target.displayName)' \(problem)")
        }
        if let fragment, !fragment.isEmpty {
            for part in fragment.split(separator: ".", omittingEmptySubsequences: false) {
                guard case .object(let object) = node.content, let next = object[String(part)], !next.isUnset
                else {
                    throw ConfigError("\(prefix): no value at '\(fragment)' in '\(target.displayName)'")
                }
                node = next
            }
        }
        let transformed = try transform(node, key: key, file: target, depth: depth, budget: budget)
        let expansion = ConfigLoadBudget.ExpandedInclude(
            node: transformed, nodes: budget.nodes - before.nodes,
            includeExpansions: budget.includeExpansions - before.includes,
            fileTextBytes: budget.fileTextBytes - before.fileText, height: Self.height(of: transformed),
            includedFiles: Set(budget.includedFiles[before.included...]))
        budget.rememberExpandedInclude(expansion, for: cacheKey)
        return transformed
    }

    /// A later occurrence of an `$include` already expanded in this load: the same tree, after the
    /// checks and charges its own expansion would have made (cycle, depth, nodes, includes, bytes).
    private func reuse(
        _ expanded: ConfigLoadBudget.ExpandedInclude, target: ConfigFile, key: String, prefix: String, depth: Int,
        budget: ConfigLoadBudget, tooManyIncludes: () -> ConfigError
    ) throws -> ConfigNode {
        if let index = target.chainPaths.dropLast().firstIndex(where: expanded.includedFiles.contains) {
            throw ConfigError(
                "\(prefix): include cycle \(target.chain.joined(separator: " -> ")) -> … -> \(target.chain[index])")
        }
        guard depth + expanded.height <= Self.maxDepth else {
            throw ConfigError(
                "\(target.displayName): nesting depth limit exceeded (more than \(Self.maxDepth) levels) "
                    + "below '\(key)'"
            )
        }
        try budget.spendNodes(expanded.nodes) {
            ConfigError(
                "\(prefix): the config tree has more than \(Self.maxTotalNodes) nodes with "
                    + "'\(target.displayName)' included again (counted across all files of this load, after "
                    + "$include expansion; limit ConfigLoader.maxTotalNodes)"
            )
        }
        try budget.spendIncludeExpansions(expanded.includeExpansions, failure: tooManyIncludes)
        try budget.spendFileText(expanded.fileTextBytes) { total in
            ConfigError("\(prefix): '\(target.displayName)' included again: \(Self.totalBytesProblem(total))")
        }
        budget.recordIncluded([target.resolvedPath])
        budget.recordIncluded(expanded.includedFiles)
        return expanded.node
    }

    /// The number of levels `node` reaches below itself (a scalar is 0).
    static func height(of node: ConfigNode) -> Int {
        switch node.content {
        case .array(let items): 1 + (items.map(height(of:)).max() ?? 0)
        case .object(let object): 1 + (object.entries.map { height(of: $0.1) }.max() ?? 0)
        default: 0
        }
    }
}
