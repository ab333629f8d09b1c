/// Resolves where a plugin's API lives (Backstage's `PluginEndpointDiscovery`).
public protocol PluginEndpointDiscovery: Sendable {
    /// The base URL other backend services use to call `pluginId`, for example
    /// `http://127.0.0.1:7007/api/catalog` (no trailing slash).
    func getBaseUrl(_ pluginId: String) async throws -> String

    /// The base URL browsers and other external clients use to call `pluginId`, for example
    /// `http://localhost:7007/api/catalog` (no trailing slash).
    func getExternalBaseUrl(_ pluginId: String) async throws -> String
}
