import AsyncHTTPClient
import BackendJSON
import BackendKit
import BackendRuntime
import Foundation
import NIOCore
import NIOHTTP1

/// A response received by a test.
struct TestResponse: Sendable {
    let status: Int
    let body: String
    /// The `Content-Type` header, if any.
    var contentType: String? = nil

    /// The body as a JSON object (empty when it is not one).
    var object: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
    }

    /// The body as a JSON array (empty when it is not one).
    var array: [[String: Any]] {
        (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [[String: Any]] ?? []
    }
}

/// Sends a request with the shared AsyncHTTPClient; `token` becomes a bearer header.
func send(
    _ method: HTTPMethod = .GET, _ url: String, token: String? = nil, json: String? = nil,
    timeout: Duration = .seconds(15)
) async throws -> TestResponse {
    var request = HTTPClientRequest(url: url)
    request.method = method
    if let token, !token.isEmpty {
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
    }
    if let json {
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: json))
    }
    let response = try await HTTPClient.shared.execute(
        request,
        timeout: .milliseconds(
            timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000))
    let bytes = try await response.body.collect(upTo: 4 << 20)
    return TestResponse(
        status: Int(response.status.code), body: String(buffer: bytes),
        contentType: response.headers.first(name: "Content-Type"))
}

/// Backstage's JSON error body, exactly as the host renders it (members in Backstage's order).
func errorBody(name: String, message: String, method: String, url: String, status: Int) -> String {
    func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
    return "{\"error\":{\"name\":\(quoted(name)),\"message\":\(quoted(message))},"
        + "\"request\":{\"method\":\(quoted(method)),\"url\":\(quoted(url))},"
        + "\"response\":{\"statusCode\":\(status)}}"
}

/// Re-serializes a JSON text with sorted keys, to compare bodies regardless of member order.
func normalizedJSON(_ text: String) -> String {
    guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed]),
        let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .fragmentsAllowed])
    else { return text }
    return String(decoding: data, as: UTF8.self)
}
