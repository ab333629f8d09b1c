import AsyncHTTPClient
import BackendAuth
import BackendConfig
import BackendKit
import Foundation
import Hummingbird
import NIOCore
import NIOHTTP1

/// Fetches the key sets of `jwks` externalAccess entries over HTTP with AsyncHTTPClient: a `GET` with a deadline
/// (10 s), a 2xx answer of at most 1 MiB.
///
/// Redirects are followed only within the origin of the URL (same scheme, host and port), at most
/// ``maximumRedirects`` times. A redirect to another origin, and so also from `https` to `http`, is not followed: the
/// fetch fails, and the cache keeps the keys it has. The key set is what decides which tokens are accepted, so it is
/// read from the origin the operator configured and from nowhere else.
struct HTTPKeySetSource: JSONWebKeySetSource {
    /// The most bytes a key set may have.
    static let maximumBytes = 1 << 20
    /// The most redirects within the origin one fetch follows.
    static let maximumRedirects = 3

    /// How long one fetch may take, redirects included.
    let timeout: TimeAmount

    /// A source whose fetches give up after `timeout`.
    init(timeout: TimeAmount = .seconds(10)) {
        self.timeout = timeout
    }

    /// The fetch failed; the message names the status and origins, never the URL's path or credentials.
    struct FetchError: Error, CustomStringConvertible, Equatable {
        /// The message.
        let description: String
    }

    func fetchKeySet(from url: String) async throws -> [UInt8] {
        let deadline = NIODeadline.now() + timeout
        // The client follows no redirect itself: each one is checked here first.
        let configuration = HTTPClient.Configuration(redirectConfiguration: .disallow)
        return try await HTTPClient.withHTTPClient(configuration: configuration) { client in
            var current = url
            for _ in 0...Self.maximumRedirects {
                var request = HTTPClientRequest(url: current)
                request.headers.add(name: "Accept", value: "application/json")
                let response = try await client.execute(request, deadline: deadline)
                let status = response.status.code
                if [301, 302, 303, 307, 308].contains(status) {
                    _ = try? await response.body.collect(upTo: 64 << 10)
                    current = try Self.redirectTarget(
                        from: current, location: response.headers.first(name: "Location"), status: status)
                    continue
                }
                guard (200..<300).contains(status) else {
                    throw FetchError(description: "The key set answered \(status)")
                }
                let body = try await response.body.collect(upTo: Self.maximumBytes)
                return Array(buffer: body)
            }
            throw FetchError(
                description: "The key set redirected more than \(Self.maximumRedirects) times within its origin")
        }
    }

    /// Where a redirect from `current` with `location` leads, if it may be followed: within the origin only.
    ///
    /// - Throws: ``FetchError`` `The key set answered 302 with a redirect from https to http (http://idp.example),
    ///   which is never followed`, `… with a redirect to another origin (https://other.example), which is not
    ///   followed; configure the URL the key set is served at`, or `… with no usable Location`.
    static func redirectTarget(from current: String, location: String?, status: UInt) throws -> String {
        guard let location, let base = URL(string: current),
            let target = URL(string: location, relativeTo: base)?.absoluteURL,
            let targetOrigin = origin(of: target), let baseOrigin = origin(of: base)
        else {
            throw FetchError(description: "The key set answered \(status) with no usable Location")
        }
        if baseOrigin.scheme == "https" && targetOrigin.scheme == "http" {
            throw FetchError(
                description:
                    "The key set answered \(status) with a redirect from https to http (\(targetOrigin)), which is never followed"
            )
        }
        guard targetOrigin == baseOrigin else {
            throw FetchError(
                description:
                    "The key set answered \(status) with a redirect to another origin (\(targetOrigin)), which is not "
                    + "followed; configure the URL the key set is served at")
        }
        return target.absoluteString
    }

    /// The scheme, host and port of a URL, the port made explicit.
    struct Origin: Equatable, CustomStringConvertible {
        /// `http` or `https`.
        let scheme: String
        /// The host, lower-cased.
        let host: String
        /// The port, 80 or 443 when the URL names none.
        let port: Int

        /// `scheme://host[:port]`, the port only when it is not the scheme's own.
        var description: String {
            port == (scheme == "https" ? 443 : 80) ? "\(scheme)://\(host)" : "\(scheme)://\(host):\(port)"
        }
    }

    /// The origin of an `http` or `https` URL with a host; `nil` for anything else.
    static func origin(of url: URL) -> Origin? {
        guard let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = url.host?.lowercased(), !host.isEmpty
        else { return nil }
        return Origin(scheme: scheme, host: host, port: url.port ?? (scheme == "https" ? 443 : 80))
    }
}
