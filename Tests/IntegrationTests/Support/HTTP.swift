import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// A tiny real HTTP client for the integration tests (AsyncHTTPClient's shared client).
enum HTTP {
    /// Status code and body of a response.
    struct Response: Sendable {
        let status: Int
        let body: String
        /// The `Content-Type` header, if any.
        var contentType: String? = nil

        /// The body parsed as a JSON object (empty when it is not one).
        var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
        }
    }

    /// Sends one request; `token` becomes `Authorization: Bearer <token>`.
    static func send(
        _ method: HTTPMethod = .GET,
        _ url: String,
        token: String? = nil,
        json: String? = nil,
        headers: [(String, String)] = []
    ) async throws -> Response {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let token {
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
        }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: json))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 4 << 20)
        return Response(
            status: Int(response.status.code), body: String(buffer: body),
            contentType: response.headers.first(name: "content-type"))
    }
}
