import BackendConfig
import BackendRuntime
import Foundation
import HTTPTypes
import Testing

@testable import BackendKit

@Suite("Parsing helpers")
struct SupportUnitTests {
    @Test func bearerCredentials() {
        func parse(_ value: String?) -> ServiceAuthenticator.Credentials {
            var fields = HTTPFields()
            if let value { fields[.authorization] = value }
            return ServiceAuthenticator.credentials(in: fields)
        }
        #expect(parse(nil) == .missing)
        #expect(parse("") == .missing)
        #expect(parse("Bearer abc") == .bearer("abc"))
        #expect(parse("bEaReR   abc  ") == .bearer("abc"))
        #expect(parse("Bearer") == .malformed)
        #expect(parse("Basic abc") == .malformed)
        #expect(parse("abc") == .malformed)
        #expect(parse("\tBEARER\tabc.def.ghi\t") == .bearer("abc.def.ghi"))
        #expect(parse("Bearer  ") == .malformed)
        #expect(parse("Bearers abc") == .malformed)
        #expect(parse("Béarer abc") == .malformed)
        #expect(parse("   ") == .missing)
    }

    /// Repeated `Authorization` fields are read joined with `, `, as `HTTPFields` joins them: a request cannot
    /// smuggle a second credential behind a valid first one, nor pass with the first of two.
    @Test func repeatedAuthorizationFieldsAreJoined() {
        var fields = HTTPFields()
        fields.append(HTTPField(name: .authorization, value: "Bearer abc"))
        fields.append(HTTPField(name: .accept, value: "application/json"))
        fields.append(HTTPField(name: .authorization, value: "Bearer def"))
        #expect(fields[.authorization] == "Bearer abc, Bearer def")
        #expect(ServiceAuthenticator.credentials(in: fields) == .bearer("abc, Bearer def"))
        #expect(
            ServiceAuthenticator.credentials(in: fields)
                == ServiceAuthenticator.Credentials.parse(fields[.authorization]))

        var blanks = HTTPFields()
        blanks.append(HTTPField(name: .authorization, value: ""))
        blanks.append(HTTPField(name: .authorization, value: ""))
        #expect(ServiceAuthenticator.credentials(in: blanks) == .malformed)
    }

    @Test func durations() {
        #expect(ConfigDuration.parse("500ms") == 500)
        #expect(ConfigDuration.parse("5s") == 5000)
        #expect(ConfigDuration.parse(" 2 m ") == 120_000)
        #expect(ConfigDuration.parse("1h") == 3_600_000)
        #expect(ConfigDuration.parse("250") == 250)
        #expect(ConfigDuration.parse("1.5s") == 1500)
        #expect(ConfigDuration.parse("-1s") == nil)
        #expect(ConfigDuration.parse("5 parsecs") == nil)
        #expect(ConfigDuration.milliseconds(["seconds": 30]) == 30_000)
        #expect(ConfigDuration.milliseconds(.number(-1)) == nil)
    }

    @Test func clientConfigurationFromConfig() throws {
        let config = Config(
            try ConfigLoader.parse(yaml: "backend: {client: {connectTimeout: 1500, readTimeout: '2s'}}"))
        let configuration = try ServiceClientConfiguration.fromConfig(config)
        #expect(configuration.connectTimeout == .milliseconds(1500))
        #expect(configuration.readTimeout == .seconds(2))
        #expect(configuration.requestTimeout == .seconds(60))
        let bad = Config(try ConfigLoader.parse(yaml: "backend: {client: {readTimeout: soon}}"))
        #expect(throws: ConfigError.self) { try ServiceClientConfiguration.fromConfig(bad) }
    }

    @Test func errorBodyEscapesStrings() {
        let body = ErrorResponse.body(
            ErrorDescriptor(InputError("a\"b\\c\nd\u{01}é/")), method: "POST", url: "/x?q=\"")
        #expect(
            body
                == #"{"error":{"name":"InputError","message":"a\"b\\c\nd\u0001é/"},"#
                + #""request":{"method":"POST","url":"/x?q=\""},"response":{"statusCode":400}}"#)
    }

    @Test func percentEncoding() {
        #expect(PercentEncoding.encodeComponent("a b/c?d=é") == "a%20b%2Fc%3Fd%3D%C3%A9")
        #expect(PercentEncoding.encodeComponent("catalog-1_x.y~") == "catalog-1_x.y~")
    }

    @Test func percentDecoding() {
        #expect(PercentEncoding.decode("a%20b%2Fc%3Fd%3D%C3%A9") == "a b/c?d=é")
        #expect(PercentEncoding.decode("payment%2dservice") == "payment-service")
        #expect(PercentEncoding.decode("plain+text") == "plain+text")
        #expect(PercentEncoding.decode("") == "")
        // Foundation's rules: an escape needs two hex digits, and the bytes must be UTF-8.
        #expect(PercentEncoding.decode("100%") == nil)
        #expect(PercentEncoding.decode("%4") == nil)
        #expect(PercentEncoding.decode("%zz") == nil)
        #expect(PercentEncoding.decode("%C3") == nil)
        #expect(PercentEncoding.decode("%FF%FE") == nil)
        for text in ["a%20b", "%E2%82%AC%24", "x%2", "%%", "%C3%A9%C3"] {
            #expect(PercentEncoding.decode(text) == text.removingPercentEncoding, "\(text)")
        }
    }

    @Test func templateSubstitution() {
        #expect(DiscoveryEndpoint.substitute("http://x/{{pluginId}}/{{ pluginId }}", pluginId: "p") == "http://x/p/p")
        #expect(DiscoveryEndpoint.substitute("http://x/{{unclosed", pluginId: "p") == "http://x/{{unclosed")
    }

    @Test func serviceClientURLs() {
        #expect(ServiceClient.url(baseUrl: "http://h/api/a", path: "/x", query: []) == "http://h/api/a/x")
        #expect(ServiceClient.url(baseUrl: "http://h/api/a/", path: "/x", query: []) == "http://h/api/a/x")
        #expect(
            ServiceClient.url(baseUrl: "http://h/api/a", path: "x", query: [("k", "v w")]) == "http://h/api/a/x?k=v%20w"
        )
    }

    @Test func errorDescriptors() {
        let remote = ServiceCallError(
            kind: .errorResponse, pluginId: "c", method: "GET", url: "u", statusCode: 409, remoteName: "ConflictError",
            remoteMessage: "dup")
        #expect(
            ErrorDescriptor(remote)
                == ErrorDescriptor(status: .conflict, name: "ConflictError", message: "dup", isInternal: false))
        let mismatched = ServiceCallError(
            kind: .errorResponse, pluginId: "c", method: "GET", url: "u", statusCode: 404, remoteName: "ConflictError",
            remoteMessage: "dup")
        #expect(
            ErrorDescriptor(mismatched)
                == ErrorDescriptor(
                    status: .badGateway, name: "BadGatewayError", message: "Plugin 'c' answered 404",
                    isInternal: false))
        let unreachable = ServiceCallError(
            kind: .connectionFailed, pluginId: "c", method: "GET", url: "u", reason: "refused")
        #expect(
            ErrorDescriptor(unreachable)
                == ErrorDescriptor(
                    status: .serviceUnavailable, name: "ServiceUnavailableError",
                    message: "Plugin 'c' is unavailable: it could not be reached or did not answer in time",
                    isInternal: false))
        #expect(unreachable.description == "Failed to call plugin 'c' at u: refused")
    }
}
