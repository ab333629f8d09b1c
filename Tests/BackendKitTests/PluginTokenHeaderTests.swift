import BackendAuth
import Foundation
import Testing

@testable import BackendKit

@Suite("The route guard's plugin token test")
struct PluginTokenHeaderTests {
    @Test("a token this package issues is a plugin token by its first 68 characters; other layouts are decoded")
    func headerPrefix() async throws {
        let issuer = PluginTokenIssuer(pluginId: "scaffolder", signingKey: try PluginSigningKey.generate())
        let token = try await issuer.token(for: "catalog").token
        #expect(ServiceAuthenticator.pluginTokenHeaderPrefix.count == 68)
        #expect(ServiceAuthenticator.hasPluginTokenHeader(token))
        #expect(PluginTokenVerifier.isPluginToken(token))

        // PyJWT's layout (members sorted): no fast answer, but isPluginToken still sees the plugin typ.
        func segment(_ json: String) -> String {
            Data(json.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-")
                .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        }
        let sorted = segment(#"{"alg":"ES256","kid":"py-1","typ":"vnd.backstage.plugin"}"#) + ".e30.c2ln"
        #expect(!ServiceAuthenticator.hasPluginTokenHeader(sorted))
        #expect(PluginTokenVerifier.isPluginToken(sorted))

        let server = segment(#"{"alg":"HS256"}"#) + ".e30.c2ln"
        #expect(!ServiceAuthenticator.hasPluginTokenHeader(server))
        #expect(!ServiceAuthenticator.hasPluginTokenHeader(String(token.prefix(60))))
        #expect(!ServiceAuthenticator.hasPluginTokenHeader(""))
    }
}
