import BackendJSON
import Foundation
import HTTPTypes
import NIOCore

/// A response as the test client received it: status, headers, body, and the body parsed as JSON.
///
/// ```swift
/// let response = try await client.get("/api/hello/whoami")
/// #expect(response.status == .unauthorized)
/// #expect(response.errorName == "AuthenticationError")
/// ```
public struct BackendTestResponse: Sendable {
    /// The status.
    public let status: HTTPResponse.Status
    /// The headers.
    public let headers: HTTPFields
    /// The body's bytes.
    public let body: ByteBuffer
    /// The body parsed as JSON; `nil` when it is empty or not JSON.
    public let json: JSONValue?

    /// A response from its parts.
    public init(status: HTTPResponse.Status, headers: HTTPFields, body: ByteBuffer) {
        self.status = status
        self.headers = headers
        self.body = body
        self.json = body.readableBytes == 0 ? nil : try? JSONValue(parsing: body.readableBytesView)
    }

    /// The body as UTF-8 text.
    public var text: String { String(buffer: body) }

    /// `error.name` of a Backstage error body (`{"error":{"name":…,"message":…},…}`), else `nil`.
    public var errorName: String? { json?["error"]?["name"]?.stringValue }

    /// `error.message` of a Backstage error body, else `nil`.
    public var errorMessage: String? { json?["error"]?["message"]?.stringValue }

    /// The body decoded as `type` (ISO 8601 dates, as the host encodes them).
    ///
    /// - Throws: `DecodingError` when the body does not decode.
    public func decode<Value: Decodable>(_ type: Value.Type = Value.self) throws -> Value {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(Value.self, from: Data(body.readableBytesView))
    }
}
