import Foundation

/// Where the server binds, read from `backend.listen`.
///
/// Accepted forms: a port (`7007` or `"7007"`), `"host:port"` (`"[::1]:7007"` for IPv6; `":7007"`
/// keeps the default host) or `{host, port}` (both optional). The default is `127.0.0.1:7007`; port `0`
/// binds a free port.
public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    /// The default host, `127.0.0.1`.
    public static let defaultHost = "127.0.0.1"
    /// The default port, `7007`.
    public static let defaultPort = 7007

    /// The interface to bind.
    public var host: String
    /// The port to bind (`0` for any free port).
    public var port: Int

    /// Creates an address.
    public init(host: String = ListenAddress.defaultHost, port: Int = ListenAddress.defaultPort) {
        self.host = host
        self.port = port
    }

    /// `host:port`, with IPv6 hosts in brackets.
    public var description: String { "\(Self.urlHost(host)):\(port)" }

    /// The host other services on this machine use to reach the server: a wildcard address
    /// (`0.0.0.0`, `::`, empty) becomes `127.0.0.1`; IPv6 literals are bracketed.
    public var reachableHost: String {
        switch host {
        case "", "0.0.0.0", "::", "[::]": "127.0.0.1"
        default: Self.urlHost(host)
        }
    }

    /// `host` ready to go into a URL (IPv6 literals bracketed).
    static func urlHost(_ host: String) -> String {
        host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
    }

    /// Reads `backend.listen` from the root config.
    ///
    /// - Throws: `ConfigError` for a wrong type, a malformed string or a port outside 0…65535.
    public static func fromConfig(_ config: Config) throws -> ListenAddress {
        try fromConfig(config, key: "backend.listen") ?? ListenAddress()
    }

    /// Reads a listen address in any of the accepted forms from `key` of the root config, or `nil` when the key is
    /// absent. An object without `port` takes `defaultPort`.
    ///
    /// - Throws: `ConfigError` for a wrong type, a malformed string or a port outside 0…65535.
    public static func fromConfig(
        _ config: Config, key: String, defaultPort: Int = ListenAddress.defaultPort
    ) throws -> ListenAddress? {
        switch config.getOptional(key) {
        case nil:
            return nil
        case .int, .double:
            return ListenAddress(port: try port(try config.getInt(key), key: key, config: config))
        case .string(let text):
            return try parse(text, key: key, config: config)
        case .object:
            let listen = try config.getConfig(key)
            let host = try listen.getOptionalString("host") ?? defaultHost
            let port = try listen.getOptionalInt("port") ?? defaultPort
            return ListenAddress(host: host, port: try Self.port(port, key: "\(key).port", config: config))
        case .some(let other):
            throw ConfigError(
                "Invalid type in config for key '\(key)' in '\(sourceName(config, key))', got \(other.typeName), "
                    + "wanted number, string or object"
            )
        }
    }

    /// Parses `"port"`, `"host:port"`, `"[v6]:port"` or `":port"`.
    static func parse(_ text: String, key: String, config: Config) throws -> ListenAddress {
        let value = text.trimmingCharacters(in: .whitespaces)
        let invalid = ConfigError(
            "Invalid listen address in config for key '\(key)' in '\(sourceName(config, key))': '\(text)', "
                + "wanted a port, 'host:port' or {host, port}"
        )
        if let number = Int(value) {
            return ListenAddress(port: try port(number, key: key, config: config))
        }
        let host: Substring
        let portText: Substring
        if value.hasPrefix("[") {
            guard let close = value.firstIndex(of: "]") else { throw invalid }
            host = value[value.index(after: value.startIndex)..<close]
            let rest = value[value.index(after: close)...]
            guard rest.hasPrefix(":") else { throw invalid }
            portText = rest.dropFirst()
        } else {
            guard let colon = value.lastIndex(of: ":") else { throw invalid }
            host = value[..<colon]
            portText = value[value.index(after: colon)...]
            if host.contains(":") { throw invalid }
        }
        guard let number = Int(portText) else { throw invalid }
        return ListenAddress(
            host: host.isEmpty ? defaultHost : String(host),
            port: try port(number, key: key, config: config)
        )
    }

    private static func port(_ value: Int, key: String, config: Config) throws -> Int {
        guard (0...65535).contains(value) else {
            throw ConfigError(
                "Invalid port in config for key '\(key)' in '\(sourceName(config, key))': \(value), wanted 0 to 65535"
            )
        }
        return value
    }

    private static func sourceName(_ config: Config, _ key: String) -> String {
        config.source(of: key)?.name ?? "<unknown>"
    }
}
