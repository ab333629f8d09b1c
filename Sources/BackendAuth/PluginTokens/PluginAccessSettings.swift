import BackendConfig

/// `backend.auth.pluginAccess`: which plugins may call a plugin with plugin tokens.
///
/// ```yaml
/// backend:
///   auth:
///     pluginAccess:
///       - plugin: catalog
///         callers: [scaffolder, search]
/// ```
///
/// A listed plugin accepts plugin tokens only from its callers; the others get `403 NotAllowedError`
/// `Plugin 'catalog' does not accept calls from plugin 'search'`. A plugin that is not listed accepts any plugin
/// whose keys verify. Only plugin tokens are concerned: server tokens and external callers keep their own rules.
public struct PluginAccessSettings: Sendable, Equatable {
    /// The config key.
    public static let configKey = "backend.auth.pluginAccess"
    /// The keys an entry may have.
    static let entryKeys = ["plugin", "callers"]

    /// The callers of each listed plugin.
    public let callers: [String: Set<String>]

    /// No restrictions.
    public static let unrestricted = PluginAccessSettings(callers: [:])

    /// Settings allowing, for each listed plugin, exactly the given callers.
    public init(callers: [String: Set<String>]) {
        self.callers = callers
    }

    /// Whether plugin `caller` may call plugin `pluginId`.
    public func allows(caller: String, pluginId: String) -> Bool {
        callers[pluginId]?.contains(caller) ?? true
    }

    /// The message of the 403 for a refused caller.
    public static func deniedMessage(pluginId: String, caller: String) -> String {
        "Plugin '\(pluginId)' does not accept calls from plugin '\(caller)'"
    }

    /// The settings of `config`.
    ///
    /// - Throws: the first of ``problems(in:)``.
    public static func fromConfig(_ config: Config) throws -> PluginAccessSettings {
        if let first = problems(in: config).first { throw PluginKeyStoreConfigurationError(first) }
        var callers: [String: Set<String>] = [:]
        for entry in try config.getOptionalConfigArray(configKey) ?? [] {
            callers[try entry.getString("plugin")] = Set(try entry.getStringArray("callers"))
        }
        return PluginAccessSettings(callers: callers)
    }

    /// Every problem of the section, each entry on its own: a missing or mistyped `plugin` or `callers`, an
    /// unknown key in an entry, a plugin listed twice.
    public static func problems(in config: Config) -> [String] {
        let entries: [Config]
        do {
            entries = try config.getOptionalConfigArray(configKey) ?? []
        } catch {
            return ["\(error)"]
        }
        var problems: [String] = []
        var seen: [String: String] = [:]
        for entry in entries {
            for key in entry.keys() where !entryKeys.contains(key) {
                let location = entry.source(of: key)?.location ?? "config"
                problems.append(
                    "Unknown key '\(key)' in \(entry.prefix) (\(location)); an entry has only 'plugin' and 'callers'")
            }
            do {
                let plugin = try entry.getString("plugin")
                _ = try entry.getStringArray("callers")
                if let first = seen[plugin] {
                    problems.append(
                        "Plugin '\(plugin)' is listed more than once in \(configKey) (at \(first) and \(entry.prefix)); "
                            + "list all its callers in one entry")
                } else {
                    seen[plugin] = entry.prefix
                }
            } catch {
                problems.append("\(error)")
            }
        }
        return problems
    }
}
