import BackendAuth
import BackendJSON
import BackendKit
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// The key sets of a test host's JWKS and plugin callers, served on 127.0.0.1 at a free port while a test runs: the host
/// fetches them as it fetches an identity provider's, over HTTP. Started only for a test that declares a
/// ``TestTokenKind/jwks`` or a ``TestCaller/plugin(_:)`` caller.
enum JWKSServer {
    /// Serves `keys[i]` as a one-key set at `/jwks/<i>.json` and the key of each plugin of `pluginKeys` at
    /// `/plugins/<id>/.backstage/auth/v1/jwks.json`, runs `body` with the server's base URL
    /// (`http://127.0.0.1:<port>`), then stops the server.
    static func withServer<Result>(
        keys: [PluginSigningKey], pluginKeys: [String: PluginSigningKey] = [:],
        isolation: isolated (any Actor)? = #isolation,
        _ body: (String) async throws -> Result
    ) async throws -> Result {
        let router = Router()
        for (index, key) in keys.enumerated() {
            let keySet = PluginPublicKey.keySet([key.publicKey]).jsonText()
            router.get("/jwks/\(index).json") { _, _ in
                Response(
                    status: .ok, headers: [.contentType: "application/json"],
                    body: ResponseBody(byteBuffer: ByteBuffer(string: keySet)))
            }
        }
        for (pluginId, key) in pluginKeys {
            let keySet = PluginPublicKey.keySet([key.publicKey]).jsonText()
            router.get(RouterPath("/plugins/\(pluginId)\(PluginTokenAuthority.keySetPath)")) { _, _ in
                Response(
                    status: .ok, headers: [.contentType: "application/json"],
                    body: ResponseBody(byteBuffer: ByteBuffer(string: keySet)))
            }
        }
        return try await LoopbackServer.with(
            router.buildResponder(), label: "backend-testing.jwks", notListening: JWKSServerError(), body)
    }
}

/// The JWKS server stopped before it listened.
struct JWKSServerError: Error, CustomStringConvertible {
    var description: String { "The test host's JWKS server stopped before it listened on 127.0.0.1" }
}
