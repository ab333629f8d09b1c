/// A failed call to another plugin through ``ServiceClient``.
///
/// Thrown out of a route handler, an error response of a remote plugin with status 400, 401, 403, 404 or
/// 409 and the matching Backstage error name (`NotFoundError` for 404 …) is passed on with the same
/// status, name and message; anything else becomes a `500` with the generic message.
public struct ServiceCallError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong.
    public enum Kind: Sendable, Equatable {
        /// The remote plugin answered with a non-2xx status (redirects are not followed).
        case errorResponse
        /// The remote plugin could not be reached or did not answer in time.
        case connectionFailed
        /// The response could not be read or decoded.
        case invalidResponse
        /// No server token could be obtained for the call.
        case tokenUnavailable
    }

    /// What went wrong.
    public let kind: Kind
    /// The plugin that was called.
    public let pluginId: String
    /// The request method.
    public let method: String
    /// The request URL.
    public let url: String
    /// The response status, for ``Kind/errorResponse``.
    public let statusCode: Int?
    /// `error.name` of the remote JSON error body, when there was one.
    public let remoteName: String?
    /// `error.message` of the remote JSON error body, when there was one.
    public let remoteMessage: String?
    /// The reason, for every kind but ``Kind/errorResponse``.
    public let reason: String?

    /// Creates an error.
    public init(
        kind: Kind,
        pluginId: String,
        method: String,
        url: String,
        statusCode: Int? = nil,
        remoteName: String? = nil,
        remoteMessage: String? = nil,
        reason: String? = nil
    ) {
        self.kind = kind
        self.pluginId = pluginId
        self.method = method
        self.url = url
        self.statusCode = statusCode
        self.remoteName = remoteName
        self.remoteMessage = remoteMessage
        self.reason = reason
    }

    /// For example `Failed to call plugin 'catalog' at http://127.0.0.1:7007/api/catalog/entities:
    /// connection refused`, or `Call to plugin 'catalog' failed: GET <url> responded 404, NotFoundError:
    /// no such entity`.
    public var description: String {
        switch kind {
        case .errorResponse:
            let status = statusCode.map { "\($0)" } ?? "an error"
            var text = "Call to plugin '\(pluginId)' failed: \(method) \(url) responded \(status)"
            if let remoteName, let remoteMessage {
                text += ", \(remoteName): \(remoteMessage)"
            } else if let remoteMessage {
                text += ", \(remoteMessage)"
            }
            return text
        case .connectionFailed, .tokenUnavailable:
            return "Failed to call plugin '\(pluginId)' at \(url): \(reason ?? "unknown error")"
        case .invalidResponse:
            return "Invalid response from plugin '\(pluginId)' at \(url): \(reason ?? "unknown error")"
        }
    }
}
