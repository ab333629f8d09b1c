import BackendAuth
import BackendKit
import Foundation
import Logging

/// Which plugin-token calls between the deployments given to `backend topology` would be accepted.
///
/// Each cell is decided with the host's own parts rather than a rule of its own: the calling plugin's
/// ``PluginTokenIssuer`` mints a real ES256 token for the called plugin (with the static store's key files, or a key
/// generated for the run for the database store), and the called deployment's ``PluginTokenAuthority`` verifies it
/// with a ``PluginKeySetCache`` that asks that deployment's discovery (`discovery.endpoints`) for the caller's key
/// set URL and applies its `backend.auth.pluginAccess`. Only the fetch is simulated: ``KeySetDirectory`` answers a
/// key set URL with the key set of the deployment serving that address (its `backend.listen` or `backend.baseUrl`),
/// where the live host would make an HTTP request.
struct PluginTokenTrust {
    /// One deployment as the command read it.
    struct Deployment {
        /// The deployment's name (its config file's name).
        let name: String
        /// The plugins it runs.
        let plugins: [String]
        /// Its token manager and plugin key settings.
        let selection: TokenManagerSelection
        /// Its discovery (`backend.listen`, `backend.baseUrl`, `discovery.endpoints`).
        let discovery: HostDiscovery
    }

    private let deployments: [Deployment]
    /// The issuer of each plugin, by deployment and plugin id; absent where the deployment has auth off.
    private let issuers: [String: [String: PluginTokenIssuer]]
    /// The authority of each deployment that verifies plugin tokens.
    private let authorities: [String: PluginTokenAuthority]

    /// Trust between `deployments`: an issuer for every plugin of a deployment with plugin tokens on, and a verifier
    /// for every such deployment.
    ///
    /// - Throws: ``PluginKeyError`` when a key cannot be generated.
    init(deployments: [Deployment], logger: Logger) throws {
        self.deployments = deployments
        var issuers: [String: [String: PluginTokenIssuer]] = [:]
        var published: [KeySetDirectory.Published] = []
        for deployment in deployments {
            guard let settings = deployment.selection.pluginKeyStore else { continue }
            for plugin in deployment.plugins {
                // The database store generates each process's keys at startup; any fresh pair stands for them.
                let keys: any PluginKeySource
                if let staticKeys = deployment.selection.staticPluginKeys {
                    keys = staticKeys
                } else {
                    keys = StaticPluginKeySource(
                        signingKey: try PluginSigningKey.generate(), keyDurationSeconds: settings.keyDurationSeconds)
                }
                issuers[deployment.name, default: [:]][plugin] = PluginTokenIssuer(pluginId: plugin, keys: keys)
                published.append(.init(deployment: deployment.name, plugin: plugin, keys: keys))
            }
        }
        self.issuers = issuers
        var authorities: [String: PluginTokenAuthority] = [:]
        for deployment in deployments where deployment.selection.pluginKeyStore != nil {
            let directory = KeySetDirectory(callee: deployment.name, deployments: deployments, published: published)
            let discovery = deployment.discovery
            let keySets = PluginKeySetCache(
                keySetURL: { try await discovery.getBaseUrl($0) + PluginTokenAuthority.keySetPath },
                source: directory, logger: logger)
            authorities[deployment.name] = PluginTokenAuthority(
                issuers: [], verifier: PluginTokenVerifier(keySets: keySets),
                access: deployment.selection.pluginAccess)
        }
        self.authorities = authorities
    }

    /// What `called` makes of a plugin token of `caller`, the way the called deployment's route guard decides it.
    func access(caller: AccessMatrix.Column, called: AccessMatrix.Column) async -> AccessMatrix.PluginAccess {
        guard let issuer = issuers[caller.deployment]?[caller.plugin] else {
            // Auth off: the caller sends no token.
            return await withoutToken(called: called)
        }
        guard let authority = authorities[called.deployment] else {
            // The called deployment has auth off: its noop manager accepts anything, and verifies nothing.
            return await withoutToken(called: called)
        }
        let token: String
        do {
            token = try await issuer.token(for: called.plugin).token
        } catch {
            return .refused(message: "\(caller.label) cannot sign a plugin token: \(error)")
        }
        do {
            let principal = try await authority.authenticate(token, pluginId: called.plugin)
            return .allowed(subject: principal.subject)
        } catch let error as NotAllowedError {
            return .notAllowed(subject: "plugin:\(caller.plugin)", message: error.message)
        } catch let error as AuthenticationError {
            return .refused(message: error.message)
        } catch {
            return .refused(message: "\(error)")
        }
    }

    /// A call without a token: accepted (as `unauthenticated`) only by a deployment with auth off.
    private func withoutToken(called: AccessMatrix.Column) async -> AccessMatrix.PluginAccess {
        guard let deployment = deployments.first(where: { $0.name == called.deployment }),
            deployment.selection.manager.acceptsRequestsWithoutToken
        else {
            return .noToken
        }
        return .allowed(subject: ServicePrincipal.unauthenticated.subject)
    }
}

/// The key sets the deployments serve, by URL, standing in for the HTTP fetch of a verifying host.
///
/// A deployment serves the key set of each plugin it runs at `<address>/api/<id>/.backstage/auth/v1/jwks.json`,
/// where an address is `http://<listen host>:<port>` (a wildcard host reached as `127.0.0.1`) or `backend.baseUrl`.
/// URLs are compared by scheme, host, port and path, with `localhost`, `127.0.0.1`, `::1` and wildcard hosts taken
/// as one loopback host. A URL at one of the verifying deployment's own addresses is answered by that deployment
/// alone, as a request to its own address reaches itself (every replica of a cluster may listen on `0.0.0.0:7007`);
/// otherwise the first deployment in command-line order that serves the URL answers. A URL at a deployment's address
/// that is not one of its key sets is answered `404`, as that deployment's router would; a URL at no deployment's
/// address fails.
struct KeySetDirectory: JSONWebKeySetSource {
    /// The keys of one plugin of one deployment.
    struct Published {
        let deployment: String
        let plugin: String
        let keys: any PluginKeySource
    }

    /// The addresses of each deployment, verifying deployment first: (deployment, normalized address prefixes).
    private let addresses: [(deployment: String, prefixes: [String])]
    private let published: [Published]
    /// The verifying deployment.
    private let callee: String

    /// The key sets of `published`, as seen by deployment `callee`.
    init(callee: String, deployments: [PluginTokenTrust.Deployment], published: [Published]) {
        let ordered =
            deployments.filter { $0.name == callee } + deployments.filter { $0.name != callee }
        addresses = ordered.map { deployment in
            let discovery = deployment.discovery
            let prefixes = [discovery.internalApiBaseUrl, discovery.externalApiBaseUrl].compactMap(Self.normalized)
            return (deployment.name, prefixes)
        }
        self.published = published
        self.callee = callee
    }

    func fetchKeySet(from url: String) async throws -> [UInt8] {
        guard let target = Self.normalized(url) else {
            throw KeySetDirectoryError("not an absolute http or https URL")
        }
        for (deployment, prefixes) in addresses {
            guard let prefix = prefixes.first(where: { target.hasPrefix($0 + "/") }) else { continue }
            let path = String(target.dropFirst(prefix.count))
            let served = published.first { published in
                published.deployment == deployment
                    && path == "/\(PercentEncoding.encodeComponent(published.plugin))" + PluginTokenAuthority.keySetPath
            }
            if let served { return PluginPublicKey.keySet(try await served.keys.publicKeys()).jsonBytes() }
            if deployment == callee { throw KeySetDirectoryError("The key set answered 404") }
        }
        let origins = addresses.filter { $0.prefixes.contains { target.hasPrefix(Self.origin(of: $0)) } }
        guard origins.isEmpty else { throw KeySetDirectoryError("The key set answered 404") }
        throw KeySetDirectoryError("no deployment given to backend topology serves that address")
    }

    /// `scheme://host:port/path` with the scheme and host lowercased, the loopback names as `loopback`, the default
    /// port explicit and trailing slashes removed; `nil` for a URL that is not absolute http(s).
    static func normalized(_ url: String) -> String? {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            scheme == "http" || scheme == "https", var host = components.host?.lowercased(), !host.isEmpty
        else {
            return nil
        }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if ["localhost", "127.0.0.1", "::1", "0.0.0.0", "::"].contains(host) { host = "loopback" }
        let port = components.port ?? (scheme == "https" ? 443 : 80)
        var path = Substring(components.percentEncodedPath)
        while path.hasSuffix("/") { path = path.dropLast() }
        return "\(scheme)://\(host):\(port)\(path)"
    }

    /// `scheme://host:port/` of a normalized URL.
    private static func origin(of normalized: String) -> String {
        guard let schemeEnd = normalized.range(of: "://"),
            let slash = normalized[schemeEnd.upperBound...].firstIndex(of: "/")
        else {
            return normalized + "/"
        }
        return String(normalized[...slash])
    }
}

/// Why ``KeySetDirectory`` could not answer a key set URL; the verifier puts it after the URL in its 401.
struct KeySetDirectoryError: MessageError {
    let message: String

    init(_ message: String) {
        self.message = message
    }
}
