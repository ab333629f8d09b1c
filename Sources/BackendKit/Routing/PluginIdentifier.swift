/// The rules for plugin ids and where a plugin is mounted: one place for the host, the request path and metrics.
package enum PluginIdentifier {
    /// True for non-empty ids of ASCII letters, digits, `-`, `_` and `.` (not `.` or `..`).
    package static func isValid(_ id: some StringProtocol) -> Bool {
        guard !id.isEmpty, id != ".", id != ".." else { return false }
        return id.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x2D || byte == 0x5F || byte == 0x2E
        }
    }

    /// The prefix every plugin is mounted under.
    package static let mountPrefix = "/api/"

    /// The mount path of a plugin: `/api/<id>`.
    package static func mountPath(_ pluginId: String) -> String { mountPrefix + pluginId }

    /// The plugin id of a route template under `/api/<id>`, or `nil` for other templates (health routes, the
    /// startup router's `/api/**`, Hummingbird's not-found endpoint).
    package static func pluginId(ofRoute route: String) -> Substring? {
        guard route.hasPrefix(mountPrefix) else { return nil }
        let id = route.dropFirst(mountPrefix.count).prefix { $0 != "/" }
        guard isValid(id) else { return nil }
        return id
    }
}
