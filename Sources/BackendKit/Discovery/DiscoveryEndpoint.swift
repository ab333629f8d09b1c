import Foundation

/// One `discovery.endpoints[]` entry: URL templates for a list of plugins.
public struct DiscoveryEndpoint: Sendable, Equatable {
    /// The internal URL template; `{{pluginId}}` (or `{{ pluginId }}`) is replaced by the plugin id.
    /// `nil` when the entry only overrides the external URL.
    public let internalTarget: String?
    /// The external URL template; `nil` when the entry only overrides the internal URL.
    public let externalTarget: String?
    /// The plugin ids the entry applies to.
    public let plugins: [String]

    /// Creates an entry; a plain `target` string sets both templates.
    public init(internalTarget: String?, externalTarget: String?, plugins: [String]) {
        self.internalTarget = internalTarget
        self.externalTarget = externalTarget
        self.plugins = plugins
    }

    /// Reads one entry: `target` is a string or `{internal, external}`, `plugins` a string array.
    public init(config: Config) throws {
        let plugins = try config.getStringArray("plugins")
        switch config.getOptional("target") {
        case .string:
            let target = try config.getString("target")
            self.init(internalTarget: target, externalTarget: target, plugins: plugins)
        case .object:
            let target = try config.getConfig("target")
            self.init(
                internalTarget: try target.getOptionalString("internal"),
                externalTarget: try target.getOptionalString("external"),
                plugins: plugins
            )
        case nil:
            _ = try config.getString("target")  // throws the standard missing-value error
            self.init(internalTarget: nil, externalTarget: nil, plugins: plugins)
        case .some(let other):
            let file = config.source(of: "target")?.name ?? "<unknown>"
            let key = config.prefix.isEmpty ? "target" : "\(config.prefix).target"
            throw ConfigError(
                "Invalid type in config for key '\(key)' in '\(file)', got \(other.typeName), wanted string or object"
            )
        }
    }

    /// `template` with every `{{pluginId}}` / `{{ pluginId }}` replaced by the URL-encoded plugin id.
    static func substitute(_ template: String, pluginId: String) -> String {
        let encoded = PercentEncoding.encodeComponent(pluginId)
        var result = ""
        var rest = Substring(template)
        while let open = rest.range(of: "{{") {
            result += rest[..<open.lowerBound]
            let afterOpen = rest[open.upperBound...]
            guard let close = afterOpen.range(of: "}}") else {
                result += rest[open.lowerBound...]
                return result
            }
            let name = afterOpen[..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            if name == "pluginId" {
                result += encoded
                rest = afterOpen[close.upperBound...]
            } else {
                result += "{{"
                rest = afterOpen
            }
        }
        result += rest
        return result
    }
}
