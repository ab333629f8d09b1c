/// A failed call to another plugin through ``ServiceClient``.
///
/// Thrown out of a route handler, it becomes ``callerError``: an error response of the remote plugin with
/// status 400, 404 or 409 and the matching Backstage error name (`NotFoundError` for 404 …) is passed on
/// with the same status, name and message; a remote 401 or 403 (the remote refused this backend's own
/// token), any other remote status and an unreadable response become a `502` ``BadGatewayError``; a
/// connection failure, a timeout or a missing server token a `503` ``ServiceUnavailableError``. Both name
/// the plugin that was called and never carry the remote reason of an auth failure; ``description`` keeps
/// every detail for the log.
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

extension ServiceCallError {
    /// Remote statuses whose Backstage error (with the matching name) is passed on to the caller as it is.
    ///
    /// 401 and 403 are not among them: they say the remote refused *this* backend's credentials, which the
    /// caller of this backend can do nothing about and must not mistake for a failure of its own token.
    public static let passedThroughStatuses: Set<Int> = [400, 404, 409]

    /// The error the caller of the route that made this call sees when this error is thrown out of the handler.
    ///
    /// - A remote 400, 404 or 409 with the matching Backstage error name: that error, with the remote message.
    /// - Any other remote status, or a response that could not be read: ``BadGatewayError`` (502), for example
    ///   `Plugin 'catalog' answered 401: it did not accept this backend's service token`.
    /// - A connection failure, a timeout or no server token: ``ServiceUnavailableError`` (503), for example
    ///   `Plugin 'catalog' is unavailable: it could not be reached or did not answer in time`.
    public var callerError: any BackendError {
        switch kind {
        case .errorResponse:
            if let status = statusCode, Self.passedThroughStatuses.contains(status), let remoteName,
                let type = standardErrorTypes.first(where: {
                    $0.errorStatus.code == status && $0.errorName == remoteName
                })
            {
                return type.init(remoteMessage ?? remoteName)
            }
            return BadGatewayError(answeredText)
        case .invalidResponse:
            return BadGatewayError("Plugin '\(pluginId)' sent a response this backend could not read")
        case .connectionFailed:
            return ServiceUnavailableError(
                "Plugin '\(pluginId)' is unavailable: it could not be reached or did not answer in time")
        case .tokenUnavailable:
            return ServiceUnavailableError(
                "Plugin '\(pluginId)' cannot be called now: this backend could not issue a server token")
        }
    }

    /// `Plugin 'catalog' answered 500`, with a note for 401 and 403 that the remote refused this backend's token
    /// (never the remote's reason).
    private var answeredText: String {
        guard let statusCode else { return "Plugin '\(pluginId)' answered with an error" }
        let text = "Plugin '\(pluginId)' answered \(statusCode)"
        switch statusCode {
        case 401: return text + ": it did not accept this backend's service token"
        case 403: return text + ": it does not allow this backend the operation"
        default: return text
        }
    }
}
