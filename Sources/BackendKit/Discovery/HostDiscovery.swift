import Foundation
import NIOConcurrencyHelpers

/// Discovery for a host (Backstage's `HostDiscovery`).
///
/// `getBaseUrl(id)` uses the first `discovery.endpoints[]` entry whose `plugins` contains the id
/// (its internal target), else `http://<listen host>:<port>/api/<id>` where a wildcard listen host
/// becomes `127.0.0.1` and the port is the one actually bound once the server listens.
/// `getExternalBaseUrl(id)` uses the entry's external target, else `backend.baseUrl` + `/api/<id>`.
/// `{{pluginId}}` and `{{ pluginId }}` in targets are replaced by the URL-encoded id.
public struct HostDiscovery: PluginEndpointDiscovery {
    /// The default `backend.baseUrl`.
    public static let defaultBaseUrl = "http://localhost:7007"

    /// The address the server binds (the port may be replaced by the bound port).
    public let listen: ListenAddress
    /// `backend.baseUrl` without a trailing slash.
    public let baseUrl: String
    /// `discovery.endpoints`, in order.
    public let endpoints: [DiscoveryEndpoint]
    /// The port the server actually bound, once known.
    private let boundPort: BoundPort

    /// Creates a discovery from its parts.
    public init(
        listen: ListenAddress, baseUrl: String = HostDiscovery.defaultBaseUrl, endpoints: [DiscoveryEndpoint] = []
    ) {
        self.listen = listen
        self.baseUrl = Self.trimmingTrailingSlashes(baseUrl)
        self.endpoints = endpoints
        self.boundPort = BoundPort()
    }

    /// Reads `backend.listen`, `backend.baseUrl` and `discovery.endpoints` from the root config.
    ///
    /// - Parameter listen: Overrides `backend.listen` (the host passes its effective address).
    public static func fromConfig(_ config: Config, listen: ListenAddress? = nil) throws -> HostDiscovery {
        let address = try listen ?? ListenAddress.fromConfig(config)
        let baseUrl = try config.getOptionalString("backend.baseUrl") ?? defaultBaseUrl
        let endpoints = try (config.getOptionalConfigArray("discovery.endpoints") ?? []).map(
            DiscoveryEndpoint.init(config:))
        return HostDiscovery(listen: address, baseUrl: baseUrl, endpoints: endpoints)
    }

    /// `http://<reachable listen host>:<port>/api` (the bound port once the server listens).
    public var internalApiBaseUrl: String {
        "http://\(listen.reachableHost):\(boundPort.value ?? listen.port)/api"
    }

    /// `backend.baseUrl` + `/api`.
    public var externalApiBaseUrl: String { "\(baseUrl)/api" }

    /// The base URL other backend services use to call `pluginId`.
    public func getBaseUrl(_ pluginId: String) async throws -> String {
        if let template = endpoint(for: pluginId)?.internalTarget {
            return DiscoveryEndpoint.substitute(template, pluginId: pluginId)
        }
        return "\(internalApiBaseUrl)/\(PercentEncoding.encodeComponent(pluginId))"
    }

    /// The base URL external clients use to call `pluginId`.
    public func getExternalBaseUrl(_ pluginId: String) async throws -> String {
        if let template = endpoint(for: pluginId)?.externalTarget {
            return DiscoveryEndpoint.substitute(template, pluginId: pluginId)
        }
        return "\(externalApiBaseUrl)/\(PercentEncoding.encodeComponent(pluginId))"
    }

    /// Records the port the server bound (the host calls this once it listens).
    package func setBoundPort(_ port: Int) {
        boundPort.value = port
    }

    private func endpoint(for pluginId: String) -> DiscoveryEndpoint? {
        endpoints.first { $0.plugins.contains(pluginId) }
    }

    private static func trimmingTrailingSlashes(_ url: String) -> String {
        var url = Substring(url)
        while url.hasSuffix("/") { url = url.dropLast() }
        return String(url)
    }
}

/// A shared, settable port (set once the server listens).
final class BoundPort: Sendable {
    private let port = NIOLockedValueBox<Int?>(nil)

    /// The bound port, if known.
    var value: Int? {
        get { port.withLockedValue { $0 } }
        set { port.withLockedValue { $0 = newValue } }
    }
}

/// Resolves where a plugin's API lives (Backstage's `PluginEndpointDiscovery`).
public protocol PluginEndpointDiscovery: Sendable {
    /// The base URL other backend services use to call `pluginId`, for example
    /// `http://127.0.0.1:7007/api/catalog` (no trailing slash).
    func getBaseUrl(_ pluginId: String) async throws -> String

    /// The base URL browsers and other external clients use to call `pluginId`, for example
    /// `http://localhost:7007/api/catalog` (no trailing slash).
    func getExternalBaseUrl(_ pluginId: String) async throws -> String
}
