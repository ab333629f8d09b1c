/// How a test reaches its host.
public enum TestTransport: Sendable, Hashable, CustomStringConvertible {
    /// In process, through the host's router with Hummingbird's router test mode: no socket, no port.
    case router
    /// Over HTTP/1.1 to the host's own server on 127.0.0.1 at a free port: the socket path of `backend run`
    /// (request limits, disconnects), and what plugin-to-plugin calls need, since `env.client` reaches plugins
    /// over HTTP.
    case live

    /// `router` or `live`.
    public var description: String {
        switch self {
        case .router: "router"
        case .live: "live"
        }
    }
}
