import BackendConfig
import BackendKit

/// Where a host listens and how it reaches plugins, as read from config at startup.
struct HostNetwork: Sendable {
    /// `backend.listen`, with the options' host and port overrides.
    let listen: ListenAddress
    /// `backend.baseUrl` and `discovery.endpoints`.
    let discovery: HostDiscovery
    /// `backend.metrics.listen`; `nil` without a metrics listener.
    let metricsListen: ListenAddress?
    /// `backend.client.*`.
    let client: ServiceClientConfiguration
    /// `backend.lifecycle.serverShutdownDelay` (zero when unset).
    let shutdownDelay: Duration
}
