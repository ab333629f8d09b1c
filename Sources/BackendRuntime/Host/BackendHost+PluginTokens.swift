import BackendAuth
import BackendDatabase
import BackendKit
import Hummingbird
import Logging

extension BackendHost {
    /// The host's plugin tokens when auth is on: for every hosted plugin an issuer whose keys come from
    /// `backend.auth.pluginKeyStore` (the static key pairs, or a rotating key source publishing to the plugin's
    /// database), one verifier whose issuers' key sets are found through discovery and fetched over HTTP
    /// (``HTTPKeySetSource``: same origin only, never downgraded to http), and `backend.auth.pluginAccess`.
    /// `nil` when auth is off or the token manager was provided in code.
    static func makePluginTokens(
        selection: TokenManagerSelection?, plugins: [any BackendPlugin], databases: DatabaseManager,
        discovery: HostDiscovery, logger: Logger
    ) throws -> PluginTokenAuthority? {
        guard let selection, let settings = selection.pluginKeyStore else { return nil }
        var issuers: [PluginTokenIssuer] = []
        for plugin in plugins {
            var pluginLogger = logger
            pluginLogger[metadataKey: "plugin"] = .string(plugin.id)
            let keys: any PluginKeySource
            if let staticKeys = selection.staticPluginKeys {
                keys = staticKeys
            } else {
                let store = DatabasePublicKeyStore(
                    database: try databases.database(for: plugin.id), logger: pluginLogger)
                keys = RotatingPluginKeySource(
                    store: store, keyDurationSeconds: settings.keyDurationSeconds, logger: pluginLogger)
            }
            issuers.append(PluginTokenIssuer(pluginId: plugin.id, keys: keys))
        }
        let keySets = PluginKeySetCache(
            keySetURL: { pluginId in try await discovery.getBaseUrl(pluginId) + PluginTokenAuthority.keySetPath },
            source: HTTPKeySetSource(), logger: logger)
        let configuredKeys = if case .configuredKeys = selection.kind { true } else { false }
        return PluginTokenAuthority(
            issuers: issuers, verifier: PluginTokenVerifier(keySets: keySets), access: selection.pluginAccess,
            fallsBackToServerTokens: configuredKeys)
    }

    /// `GET /api/<id>/.backstage/auth/v1/jwks.json`: the key set of a hosted plugin, `{"keys":[…]}` (empty with
    /// auth off), without a token and outside the route guard, so it is never an auth failure. The startup router
    /// serves it too, so other deployments can verify this host's tokens while its plugins still register.
    static func addKeySetRoute(
        to router: Router<BackendRequestContext>, pluginIds: [String], pluginTokens: PluginTokenAuthority?
    ) {
        // One constant route per plugin: the router prefers constant path components, so `/api/<id>/…` of a
        // mounted plugin would never reach a `/api/:pluginId/…` route.
        for pluginId in pluginIds {
            router.get(RouterPath(PluginIdentifier.mountPath(pluginId) + PluginTokenAuthority.keySetPath)) {
                _, _ -> JSONBody<JSONValue> in
                JSONBody(try await pluginTokens?.keySet(of: pluginId) ?? PluginPublicKey.keySet([]))
            }
        }
    }
}
