import AsyncHTTPClient
import BackendAuth
import BackendJSON
import NIOCore
import NIOHTTP1

extension ServiceClient {
    /// The most bytes of a probed key set that are read.
    static let maximumKeySetBytes = 1 << 20

    /// The token a call to `pluginId` carries, and whether it is a plugin token.
    ///
    /// With plugin tokens on (auth on, a calling plugin known), the target is probed once at
    /// `<base URL>/.backstage/auth/v1/jwks.json`: 200 with `keys` means plugin tokens, 404 a legacy plugin that gets
    /// the token manager's server token. The result is kept; a failed probe is not, so the next call probes again
    /// (meanwhile calls carry plugin tokens). Without plugin tokens, the token manager's token, as always.
    func bearerToken(
        for pluginId: String, baseUrl: String, callError: (ServiceCallError.Kind, String) -> ServiceCallError
    ) async throws -> (token: String, isPluginToken: Bool) {
        guard let authority = pluginTokens, let caller = callerPluginId, let issuer = authority.issuer(for: caller)
        else {
            return (try await legacyToken(for: pluginId, probe: nil, callError: callError), false)
        }
        var kind = authority.targetKind(of: pluginId)
        if kind == nil {
            kind = await probe(pluginId, baseUrl: baseUrl)
            authority.record(kind, for: pluginId)
        }
        if kind == .legacy {
            let probeURL = baseUrl + PluginTokenAuthority.keySetPath
            return (try await legacyToken(for: pluginId, probe: probeURL, callError: callError), false)
        }
        do {
            return (try await issuer.token(for: pluginId).token, true)
        } catch {
            throw callError(.tokenUnavailable, "could not issue a plugin token: \(error)")
        }
    }

    /// The token manager's server token; for a legacy target in a deployment without `backend.auth.keys`, an error
    /// naming the target and what its probe found.
    func legacyToken(
        for pluginId: String, probe probeURL: String?, callError: (ServiceCallError.Kind, String) -> ServiceCallError
    ) async throws -> String {
        do {
            return try await tokenManager.getToken().token
        } catch let error as TokenManagerConfigurationError where error == .noKeysToSign {
            let found = probeURL.map { "its key set \($0) answered 404" } ?? "it refused this deployment's plugin token"
            throw callError(
                .tokenUnavailable,
                "plugin '\(pluginId)' does not accept plugin tokens (\(found)) and this deployment has no "
                    + "backend.auth.keys to sign a legacy server token for it")
        } catch {
            throw callError(.tokenUnavailable, "could not issue a server token: \(error)")
        }
    }

    /// What `pluginId` accepts, from a GET of its key set: `nil` when the probe failed (any other status, a body
    /// without `keys`, a connection error).
    func probe(_ pluginId: String, baseUrl: String) async -> PluginTokenAuthority.TargetKind? {
        let url = baseUrl + PluginTokenAuthority.keySetPath
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Accept", value: "application/json")
        do {
            let response = try await httpClient.execute(
                request, timeout: TimeAmount(configuration.requestTimeout))
            let body = try await response.body.collect(upTo: Self.maximumKeySetBytes)
            switch response.status.code {
            case 404:
                logger.info(
                    "Plugin '\(pluginId)' publishes no plugin keys (\(url) answered 404); it gets server tokens")
                return .legacy
            case 200:
                guard (try? JSONValue(parsing: body.readableBytesView))?["keys"]?.arrayValue != nil else {
                    logger.warning("The key set of plugin '\(pluginId)' at \(url) has no keys; probed again next call")
                    return nil
                }
                return .pluginTokens
            default:
                let message =
                    "Could not probe the key set of plugin '\(pluginId)' at \(url): it answered "
                    + "\(response.status.code); plugin tokens are sent, and it is probed again on the next call"
                logger.warning("\(message)")
                return nil
            }
        } catch {
            let message =
                "Could not probe the key set of plugin '\(pluginId)' at \(url): \(describe(error)); plugin tokens "
                + "are sent, and it is probed again on the next call"
            logger.warning("\(message)")
            return nil
        }
    }

    /// The legacy server token to call `pluginId` with after it refused a plugin token with 401, when this
    /// deployment signs legacy tokens with a configured key; the target then gets legacy tokens for
    /// ``PluginTokenAuthority/fallbackDuration`` (logged each time). `nil` otherwise: the 401 stands.
    func legacyFallback(_ pluginId: String, refusal: String?) async -> String? {
        guard let authority = pluginTokens, authority.fallsBackToServerTokens, let caller = callerPluginId,
            let legacy = try? await tokenManager.getToken().token, !legacy.isEmpty
        else { return nil }
        authority.recordFallback(for: pluginId)
        let minutes = Int(PluginTokenAuthority.fallbackDuration.components.seconds / 60)
        let message =
            "Plugin '\(pluginId)' refused the plugin token of '\(caller)' (\(refusal ?? "401")); it gets server "
            + "tokens for the next \(minutes) minutes. For plugin tokens, its deployment must find the key set of "
            + "'\(caller)' (discovery.endpoints)"
        logger.warning("\(message)")
        return legacy
    }
}
