import BackendAuth
import BackendJSON
import Foundation
import Logging

/// The keys and tokens of one test host: the secret it signs with, an entry of `backend.auth.externalAccess` for
/// each declared service caller, and a token for every ``TestCaller``.
struct TestCredentials: Sendable {
    /// One declared service caller's material.
    struct ServiceEntry: Sendable {
        let subject: String
        let token: TestTokenKind
        let restrictedTo: [String]?
        /// The legacy entry's secret, or the static entry's token.
        let secret: String
        /// The JWKS entry's key.
        let jwksKey: PluginSigningKey?
    }

    /// `backend.auth.keys[0].secret`.
    let hostSecret: String
    /// A secret the host does not know (``TestCaller/foreignKey``).
    let foreignSecret: String
    /// The declared service callers, by caller.
    let services: [TestCaller: ServiceEntry]
    /// The declared plugin callers' signing keys, by plugin id.
    let pluginKeys: [String: PluginSigningKey]
    /// In a topology, every deployment's host secret by deployment name (``TestCaller/deployment(_:)``).
    var peerSecrets: [String: String] = [:]

    /// Fresh keys for the host and for each of `callers`.
    init(callers: [TestCaller]) throws {
        hostSecret = try generateSecret()
        foreignSecret = try generateSecret()
        var services: [TestCaller: ServiceEntry] = [:]
        var pluginKeys: [String: PluginSigningKey] = [:]
        for caller in callers {
            if case .plugin(let id) = caller.kind, pluginKeys[id] == nil {
                pluginKeys[id] = try PluginSigningKey.generate()
            }
            guard case .service(let subject, let token, let restrictedTo) = caller.kind, services[caller] == nil else {
                continue
            }
            services[caller] = ServiceEntry(
                subject: subject, token: token, restrictedTo: restrictedTo,
                secret: token == .staticToken ? "static-" + UUID.randomLowercased() : try generateSecret(),
                jwksKey: token == .jwks ? try PluginSigningKey.generate() : nil)
        }
        self.services = services
        self.pluginKeys = pluginKeys
    }

    /// Whether the kit serves key sets for this host (JWKS callers or plugin callers).
    var needsKeySetServer: Bool { !jwksKeys.isEmpty || !pluginKeys.isEmpty }

    /// The `discovery.endpoints` entry sending the host to the kit's key sets of the plugin callers; `nil` without
    /// any.
    func pluginCallerEndpoint(keySetBaseURL: String?) -> JSONValue? {
        guard let keySetBaseURL, !pluginKeys.isEmpty else { return nil }
        return [
            "target": .string("\(keySetBaseURL)/plugins/{{pluginId}}"),
            "plugins": .array(pluginKeys.keys.sorted().map { .string($0) }),
        ]
    }

    /// The JWKS entries' keys, each served at `/jwks/<index>.json`.
    var jwksKeys: [PluginSigningKey] {
        orderedServices.compactMap(\.jwksKey)
    }

    /// The service entries in a stable order (by description), so config and key set paths agree.
    private var orderedServices: [ServiceEntry] {
        services.sorted { $0.key.description < $1.key.description }.map(\.value)
    }

    /// `backend.auth` with the host's key and an `externalAccess` entry per service caller, on top of `existing`
    /// (whose own keys and entries stay, after the kit's).
    func authSection(existing: JSONValue?, jwksBaseURL: String?) -> JSONValue {
        var auth = existing?.objectValue ?? JSONObject()
        let keys: [JSONValue] = [["secret": .string(hostSecret)]] + (auth["keys"]?.arrayValue ?? [])
        auth["keys"] = .array(keys)
        var entries: [JSONValue] = []
        var jwksIndex = 0
        for service in orderedServices {
            var entry: JSONObject
            switch service.token {
            case .legacy:
                entry = [
                    "type": "legacy",
                    "options": ["secret": .string(service.secret), "subject": .string(service.subject)],
                ]
            case .staticToken:
                entry = [
                    "type": "static",
                    "options": ["token": .string(service.secret), "subject": .string(service.subject)],
                ]
            case .jwks:
                entry = [
                    "type": "jwks",
                    "options": ["url": .string("\(jwksBaseURL ?? "")/jwks/\(jwksIndex).json"), "algorithm": "ES256"],
                ]
                jwksIndex += 1
            }
            if let plugins = service.restrictedTo {
                entry["accessRestrictions"] = .array(plugins.map { ["plugin": .string($0)] })
            }
            entries.append(.object(entry))
        }
        auth["externalAccess"] = .array(entries + (auth["externalAccess"]?.arrayValue ?? []))
        return .object(auth)
    }

    /// The `Authorization` value `caller` sends, or `nil` for ``TestCaller/none``.
    ///
    /// - Throws: ``UndeclaredCallerError`` for a service caller the host was not started with.
    func authorization(for caller: TestCaller, path: String) throws -> String? {
        guard let token = try token(for: caller, audience: Self.targetPlugin(of: path)) else { return nil }
        return "Bearer \(token)"
    }

    /// The plugin a request path addresses: `catalog` of `/api/catalog/entities`; `nil` outside `/api`.
    static func targetPlugin(of path: String) -> String? {
        guard path.hasPrefix("/api/") else { return nil }
        let id = path.dropFirst(5).prefix { $0 != "/" && $0 != "?" }
        return id.isEmpty ? nil : String(id)
    }

    /// The bearer token `caller` sends, or `nil` for ``TestCaller/none``; a plugin caller's is for plugin `audience`.
    func token(for caller: TestCaller, audience: String? = nil) throws -> String? {
        let now = Int(SystemClock().now())
        switch caller.kind {
        case .none:
            return nil
        case .backend:
            return try Self.serverToken(secret: hostSecret, expiresAt: now + 3600)
        case .expired:
            return try Self.serverToken(secret: hostSecret, expiresAt: now - 60)
        case .malformed:
            return "not-a-token"
        case .foreignKey:
            return try Self.serverToken(secret: foreignSecret, expiresAt: now + 3600)
        case .plugin(let id):
            guard let key = pluginKeys[id] else { throw UndeclaredCallerError(caller: caller) }
            guard let audience else { throw PluginCallerAudienceError(pluginId: id) }
            return try PluginTokenIssuer.sign(
                subject: id, audience: audience, issuedAt: now, expiresAt: now + 3600, key: key)
        case .deployment(let name):
            guard let secret = peerSecrets[name] else { throw UndeclaredCallerError(caller: caller) }
            return try Self.serverToken(secret: secret, expiresAt: now + 3600)
        case .service:
            guard let service = services[caller] else { throw UndeclaredCallerError(caller: caller) }
            switch service.token {
            case .legacy:
                return try Self.serverToken(secret: service.secret, expiresAt: now + 3600)
            case .staticToken:
                return service.secret
            case .jwks:
                guard let key = service.jwksKey else { throw UndeclaredCallerError(caller: caller) }
                return try Self.jwt(subject: service.subject, key: key, issuedAt: now)
            }
        }
    }

    /// An HS256 server token signed with `secret`.
    static func serverToken(secret: String, expiresAt: Int) throws -> String {
        let manager = try ServerTokenManager.fromSecrets(
            [secret], logger: Logger(label: "backend-testing", factory: { _ in SwiftLogNoOpLogHandler() }))
        return manager.signToken(expiresAt: expiresAt).token
    }

    /// A compact ES256 JWT `{"sub","iat","exp"}` signed with `key` (header `kid` names it).
    static func jwt(subject: String, key: PluginSigningKey, issuedAt: Int) throws -> String {
        let header: JSONValue = ["alg": "ES256", "typ": "JWT", "kid": .string(key.keyId)]
        let payload: JSONValue = [
            "sub": .string(subject), "iat": .int(issuedAt), "exp": .int(issuedAt + 3600),
        ]
        return try key.compactJWS(header: header.jsonText(), payload: payload.jsonText())
    }
}

/// A request named a service caller that the test host was not started with.
public struct UndeclaredCallerError: Error, CustomStringConvertible {
    /// The caller.
    public let caller: TestCaller

    /// What to change.
    public var description: String {
        if case .deployment(let name) = caller.kind {
            return "The test has no deployment named '\(name)': deployment callers name a deployment of a TestTopology"
        }
        return "The test host has no caller \(caller): add it to TestBackend's callers, so that the host starts with "
            + "its backend.auth.externalAccess entry"
    }
}

/// A plugin caller's token was asked for without a target plugin to address it to.
public struct PluginCallerAudienceError: Error, CustomStringConvertible {
    /// The calling plugin.
    public let pluginId: String

    /// What to change.
    public var description: String {
        "A plugin token of '\(pluginId)' is addressed to one plugin: request a path under /api/<plugin id>/, or "
            + "pass the audience to token(for:audience:)"
    }
}
