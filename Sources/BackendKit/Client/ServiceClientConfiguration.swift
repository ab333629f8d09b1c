/// Timeouts of the service client, read from `backend.client`.
///
/// | key | default | meaning |
/// |---|---|---|
/// | `backend.client.connectTimeout` | `5s` | time to establish a connection |
/// | `backend.client.readTimeout` | `30s` | longest silence while waiting for response bytes |
/// | `backend.client.requestTimeout` | `60s` | deadline for a whole call, body included |
///
/// Each is a number of milliseconds or a string with a unit: `"500ms"`, `"5s"`, `"2m"`, `"1h"`.
public struct ServiceClientConfiguration: Sendable, Equatable {
    /// Time to establish a connection.
    public var connectTimeout: Duration
    /// Longest silence while waiting for response bytes.
    public var readTimeout: Duration
    /// Deadline for a whole call, body included.
    public var requestTimeout: Duration
    /// Largest response body the client reads (16 MiB).
    public var maxResponseBytes: Int

    /// Creates a configuration.
    public init(
        connectTimeout: Duration = .seconds(5),
        readTimeout: Duration = .seconds(30),
        requestTimeout: Duration = .seconds(60),
        maxResponseBytes: Int = 16 * 1024 * 1024
    ) {
        self.connectTimeout = connectTimeout
        self.readTimeout = readTimeout
        self.requestTimeout = requestTimeout
        self.maxResponseBytes = maxResponseBytes
    }

    /// Reads `backend.client.connectTimeout`, `.readTimeout` and `.requestTimeout` from the root config.
    public static func fromConfig(_ config: Config) throws -> ServiceClientConfiguration {
        let defaults = ServiceClientConfiguration()
        return ServiceClientConfiguration(
            connectTimeout: try config.getOptionalDuration("backend.client.connectTimeout") ?? defaults.connectTimeout,
            readTimeout: try config.getOptionalDuration("backend.client.readTimeout") ?? defaults.readTimeout,
            requestTimeout: try config.getOptionalDuration("backend.client.requestTimeout") ?? defaults.requestTimeout
        )
    }
}
