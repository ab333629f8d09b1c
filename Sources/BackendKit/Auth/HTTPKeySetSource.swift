import AsyncHTTPClient
import BackendAuth
import NIOCore
import NIOHTTP1

/// Fetches the key sets of `jwks` externalAccess entries over HTTP with AsyncHTTPClient's shared client: a `GET`
/// with a 10 s deadline, a 2xx answer of at most 1 MiB.
struct HTTPKeySetSource: JSONWebKeySetSource {
    /// The most bytes a key set may have.
    static let maximumBytes = 1 << 20

    /// The fetch failed; the message names the status, never the URL (it may carry credentials).
    struct FetchError: Error, CustomStringConvertible {
        let description: String
    }

    func fetchKeySet(from url: String) async throws -> [UInt8] {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Accept", value: "application/json")
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        guard (200..<300).contains(response.status.code) else {
            throw FetchError(description: "The key set answered \(response.status.code)")
        }
        let body = try await response.body.collect(upTo: Self.maximumBytes)
        return Array(buffer: body)
    }
}
