/// The plugins a caller may reach: the `accessRestrictions: [{plugin: <id>}, …]` of the
/// `backend.auth.externalAccess` entry that accepted its token.
///
/// ```swift
/// let restrictions = PluginAccessRestrictions(pluginIds: ["catalog", "search"])
/// restrictions.allows(pluginId: "scaffolder")  // false
/// restrictions.deniedMessage  // This token's access is restricted to plugin(s) 'catalog', 'search'
/// ```
public struct PluginAccessRestrictions: Sendable, Hashable {
    /// The plugin ids in config order, each once.
    public let pluginIds: [String]

    /// Restrictions to `pluginIds` (in config order).
    public init(pluginIds: [String]) {
        self.pluginIds = pluginIds
    }

    /// Whether `pluginId` is one of the allowed plugins.
    public func allows(pluginId: String) -> Bool {
        pluginIds.contains(pluginId)
    }

    /// Backstage's message of the `403 NotAllowedError` for a route of another plugin:
    /// `This token's access is restricted to plugin(s) 'catalog', 'search'`.
    public var deniedMessage: String {
        "This token's access is restricted to plugin(s) " + pluginIds.map { "'\($0)'" }.joined(separator: ", ")
    }
}
