import Foundation

/// A successful (2xx) response from another plugin.
public struct ServiceResponse: Sendable {
    /// The response status.
    public let status: HTTPResponse.Status
    /// The response headers.
    public let headers: HTTPFields
    /// The whole response body.
    public let body: ByteBuffer
    /// The plugin that answered.
    public let pluginId: String
    /// The request method.
    public let method: String
    /// The request URL.
    public let url: String

    /// Creates a response.
    public init(
        status: HTTPResponse.Status, headers: HTTPFields, body: ByteBuffer, pluginId: String, method: String,
        url: String
    ) {
        self.status = status
        self.headers = headers
        self.body = body
        self.pluginId = pluginId
        self.method = method
        self.url = url
    }

    /// The body as UTF-8 text.
    public var text: String { String(buffer: body) }

    /// The body decoded from JSON (ISO 8601 dates, as Hummingbird encodes them). A ``JSONValue`` is parsed with
    /// ``JSONValue/init(parsing:)-(String)``, so its members keep the order the other plugin wrote them in.
    ///
    /// - Throws: ``ServiceCallError`` of kind ``ServiceCallError/Kind/invalidResponse``.
    public func decode<Output: Decodable>(_ type: Output.Type = Output.self) throws -> Output {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do {
            if Output.self == JSONValue.self, let value = try JSONValue(parsing: body.readableBytesView) as? Output {
                return value
            }
            return try decoder.decode(Output.self, from: Data(body.readableBytesView))
        } catch {
            throw ServiceCallError(
                kind: .invalidResponse,
                pluginId: pluginId,
                method: method,
                url: url,
                statusCode: status.code,
                reason: "could not decode \(Output.self) from the JSON body: \(error)"
            )
        }
    }
}
