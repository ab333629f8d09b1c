import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// The one HTTP client of the tests that need a real socket: a `backend` process, a host listening on 127.0.0.1, a
/// request that must cross a connection (AsyncHTTPClient's shared client). Tests that only need a host's answers use
/// the test kit's client (`TestBackend(…).test { client in … }`), which needs no port.
///
/// ```swift
/// let response = try await HTTP.send(.GET, "\(base)/api/catalog/entities", token: token)
/// #expect(response.status == 200)
/// ```
public enum HTTP {
    /// Status, headers and body of a response.
    public struct Response: Sendable {
        /// The status code.
        public let status: Int
        /// The headers.
        public let headers: HTTPHeaders
        /// The body as text.
        public let body: String

        /// The `Content-Type` header, if any.
        public var contentType: String? { headers.first(name: "content-type") }

        /// The body parsed as a JSON object (empty when it is not one).
        public var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
        }

        /// The body parsed as a JSON array of objects (empty when it is not one).
        public var array: [[String: Any]] {
            (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [[String: Any]] ?? []
        }
    }

    /// Sends one request and reads the whole answer.
    ///
    /// - Parameters:
    ///   - token: Sent as `Authorization: Bearer <token>` unless `nil` or empty (a noop host's token is empty).
    ///   - json: The body, sent with `Content-Type: application/json`.
    ///   - headers: More headers, in order.
    ///   - body: A body sent as given (no `Content-Type` added).
    ///   - timeout: The whole exchange's deadline; a hang guard, keep it generous.
    ///   - limit: The most body bytes read; a longer body is an error.
    public static func send(
        _ method: HTTPMethod = .GET,
        _ url: String,
        token: String? = nil,
        json: String? = nil,
        headers: [(String, String)] = [],
        body: String? = nil,
        timeout: Duration = .seconds(30),
        limit: Int = 4 << 20
    ) async throws -> Response {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let token, !token.isEmpty {
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
        }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: json))
        } else if let body {
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: TimeAmount(timeout))
        let bytes = try await response.body.collect(upTo: limit)
        return Response(status: Int(response.status.code), headers: response.headers, body: String(buffer: bytes))
    }
}
