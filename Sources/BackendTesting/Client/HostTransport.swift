import HTTPTypes
import HummingbirdTesting
import NIOCore

/// How the test client reaches the host: through its router in process, or over a loopback connection.
protocol HostTransport: Sendable {
    /// Sends one request and returns the whole response.
    func execute(
        uri: String, method: HTTPRequest.Method, headers: HTTPFields, body: ByteBuffer?
    ) async throws -> BackendTestResponse
}

/// Hummingbird's router test client: requests go to the host's responder with no socket.
struct RouterTransport: HostTransport {
    let client: any TestClientProtocol

    func execute(
        uri: String, method: HTTPRequest.Method, headers: HTTPFields, body: ByteBuffer?
    ) async throws -> BackendTestResponse {
        let response = try await client.executeRequest(uri: uri, method: method, headers: headers, body: body)
        return BackendTestResponse(status: response.status, headers: response.headers, body: response.body)
    }
}

/// Hummingbird's HTTP/1.1 test client on a connection to the host's listener.
struct LiveTransport: HostTransport {
    let client: HummingbirdTesting.TestClient
    /// `127.0.0.1:<port>`, the `Host` header.
    let authority: String

    func execute(
        uri: String, method: HTTPRequest.Method, headers: HTTPFields, body: ByteBuffer?
    ) async throws -> BackendTestResponse {
        var headers = headers
        if let body { headers[.contentLength] = String(body.readableBytes) }
        let request = HummingbirdTesting.TestClient.Request(
            uri, method: method, authority: authority, headers: headers, body: body)
        let response = try await client.execute(request)
        return BackendTestResponse(
            status: response.status, headers: response.headers, body: response.body ?? ByteBuffer())
    }
}
