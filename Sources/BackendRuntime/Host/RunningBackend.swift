import BackendKit
/// A host that is listening, as handed to the body of ``BackendHost/withRunning(plugins:isolation:_:)``.
public struct RunningBackend: Sendable {
    /// The address the server bound, with the actual port (never `0`).
    public let address: ListenAddress
    /// The bound port of the metrics listener (`backend.metrics.listen`), or `nil` without one.
    public let metricsPort: Int?
    /// The token manager the host verifies tokens with (issue tokens for test calls with it).
    public let tokenManager: any TokenManager
    /// How the token manager was chosen, as the startup log prints it: `noop`, `server (2 keys)`,
    /// `server (generated key)`, `provided in code` or `noop (provided in code)`.
    public let tokenManagerKind: String
    /// The host's discovery.
    public let discovery: HostDiscovery
    /// The ids of the mounted plugins, in mount order.
    public let pluginIds: [String]
    /// Triggers graceful shutdown.
    private let trigger: @Sendable () async -> Void

    init(
        address: ListenAddress,
        metricsPort: Int?,
        tokenManager: any TokenManager,
        tokenManagerKind: String,
        discovery: HostDiscovery,
        pluginIds: [String],
        trigger: @escaping @Sendable () async -> Void
    ) {
        self.address = address
        self.metricsPort = metricsPort
        self.tokenManager = tokenManager
        self.tokenManagerKind = tokenManagerKind
        self.discovery = discovery
        self.pluginIds = pluginIds
        self.trigger = trigger
    }

    /// The bound port.
    public var port: Int { address.port }

    /// `http://<reachable host>:<port>`, for example `http://127.0.0.1:54321`.
    public var baseURL: String { "http://\(address.reachableHost):\(address.port)" }

    /// Starts a graceful shutdown, as SIGTERM would: the server stops accepting connections, in-flight
    /// requests complete, then background work stops and the HTTP client closes. Returns immediately.
    public func shutdown() async {
        await trigger()
    }
}
