import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Calls other plugins' APIs with a plugin token, or a server token for plugins that take no plugin tokens.
///
/// Each call resolves the plugin's base URL through discovery and sends a token as `Authorization: Bearer <token>`
/// when it is non-empty (the noop manager's token is empty). With auth on, that is a plugin token of the calling
/// plugin for the target (``PluginTokenIssuer``, reused until ten minutes before its `exp`); a target whose
/// `/.backstage/auth/v1/jwks.json` answers 404 gets the token manager's legacy server token instead (`getToken()`,
/// cached while fresh). A target that refuses a plugin token with 401 while `backend.auth.keys` configures a key is
/// called again with the legacy token, and gets it for ten minutes (a split deployment that cannot find this
/// plugin's keys). Redirects
/// are not followed; connect, read and whole-request timeouts come from ``ServiceClientConfiguration``.
/// A non-2xx answer throws ``ServiceCallError`` carrying the remote JSON error body.
///
/// ```swift
/// let entities = try await env.client.get([Entity].self, plugin: "catalog", path: "/entities")
/// ```
public struct ServiceClient: Sendable {
    /// The host's shared HTTP client.
    let httpClient: HTTPClient
    /// Where plugins live.
    public let discovery: any PluginEndpointDiscovery
    /// Issues the tokens sent with every call.
    public let tokenManager: any TokenManager
    /// Timeouts and limits.
    public let configuration: ServiceClientConfiguration
    /// Logs one debug line per call (never the token).
    let logger: Logger
    /// The host's plugin tokens; `nil` when auth is off.
    let pluginTokens: PluginTokenAuthority?
    /// The plugin this client calls for (the `sub` of its plugin tokens); `nil` for a client of no plugin.
    let callerPluginId: String?

    package init(
        httpClient: HTTPClient,
        discovery: any PluginEndpointDiscovery,
        tokenManager: any TokenManager,
        configuration: ServiceClientConfiguration,
        logger: Logger,
        pluginTokens: PluginTokenAuthority? = nil,
        callerPluginId: String? = nil
    ) {
        self.httpClient = httpClient
        self.discovery = discovery
        self.tokenManager = tokenManager
        self.configuration = configuration
        self.logger = logger
        self.pluginTokens = pluginTokens
        self.callerPluginId = callerPluginId
    }

    /// Sends a request to `pluginId` and returns its 2xx response.
    ///
    /// - Parameters:
    ///   - method: The HTTP method.
    ///   - pluginId: The plugin to call, resolved through discovery.
    ///   - path: The path below the plugin's base URL, for example `/entities/by-name/component/default/x`
    ///     (already percent-encoded where needed).
    ///   - query: Query parameters, percent-encoded by the client.
    ///   - headers: Extra request headers (an `Authorization` header here is replaced by the server token).
    ///   - body: The request body.
    /// - Throws: ``ServiceCallError`` for non-2xx responses, connection failures and timeouts.
    public func request(
        _ method: HTTPRequest.Method,
        plugin pluginId: String,
        path: String,
        query: [(String, String)] = [],
        headers: HTTPFields = [:],
        body: ByteBuffer? = nil
    ) async throws -> ServiceResponse {
        let baseUrl = try await discovery.getBaseUrl(pluginId)
        let url = Self.url(baseUrl: baseUrl, path: path, query: query)
        let callError = { (kind: ServiceCallError.Kind, reason: String) in
            ServiceCallError(kind: kind, pluginId: pluginId, method: method.rawValue, url: url, reason: reason)
        }

        let (token, isPluginToken) = try await bearerToken(for: pluginId, baseUrl: baseUrl, callError: callError)
        var (response, responseBody, milliseconds) = try await send(
            method, url: url, headers: headers, body: body, token: token, callError: callError)
        if isPluginToken, response.status.code == 401,
            let legacy = await legacyFallback(pluginId, refusal: RemoteErrorBody.parse(responseBody).message)
        {
            (response, responseBody, milliseconds) = try await send(
                method, url: url, headers: headers, body: body, token: legacy, callError: callError)
        }
        logger.debug(
            "Called plugin '\(pluginId)': \(method.rawValue) \(Self.withoutQuery(url)) \(response.status.code)",
            metadata: ["duration_ms": "\(milliseconds)"]
        )

        guard (200..<300).contains(Int(response.status.code)) else {
            let remote = RemoteErrorBody.parse(responseBody)
            throw ServiceCallError(
                kind: .errorResponse,
                pluginId: pluginId,
                method: method.rawValue,
                url: url,
                statusCode: Int(response.status.code),
                remoteName: remote.name,
                remoteMessage: remote.message
            )
        }
        return ServiceResponse(
            status: HTTPResponse.Status(code: Int(response.status.code), reasonPhrase: response.status.reasonPhrase),
            headers: Self.fields(response.headers),
            body: responseBody,
            pluginId: pluginId,
            method: method.rawValue,
            url: url
        )
    }

    /// One HTTP exchange with `token`: the response, its body and how long it took in milliseconds.
    private func send(
        _ method: HTTPRequest.Method, url: String, headers: HTTPFields, body: ByteBuffer?, token: String,
        callError: (ServiceCallError.Kind, String) -> ServiceCallError
    ) async throws -> (HTTPClientResponse, ByteBuffer, Int64) {
        var request = HTTPClientRequest(url: url)
        request.method = HTTPMethod(rawValue: method.rawValue)
        for field in headers where field.name != .authorization {
            request.headers.add(name: field.name.rawName, value: field.value)
        }
        if !request.headers.contains(name: "accept") {
            request.headers.add(name: "Accept", value: "application/json")
        }
        if !token.isEmpty {
            request.headers.replaceOrAdd(name: "Authorization", value: "Bearer \(token)")
        }
        if let body {
            request.body = .bytes(body)
        }

        let started = ContinuousClock.now
        let response: HTTPClientResponse
        let responseBody: ByteBuffer
        do {
            response = try await httpClient.execute(request, timeout: TimeAmount(configuration.requestTimeout))
        } catch {
            throw callError(.connectionFailed, describe(error))
        }
        do {
            responseBody = try await response.body.collect(upTo: configuration.maxResponseBytes)
        } catch is NIOTooManyBytesError {
            throw callError(.invalidResponse, "the response body exceeds \(configuration.maxResponseBytes) bytes")
        } catch {
            throw callError(.connectionFailed, describe(error))
        }
        return (response, responseBody, (ContinuousClock.now - started).milliseconds)
    }

    /// Sends `body` encoded as JSON to `pluginId` and returns the 2xx response.
    public func request(
        _ method: HTTPRequest.Method,
        plugin pluginId: String,
        path: String,
        query: [(String, String)] = [],
        headers: HTTPFields = [:],
        json body: some Encodable
    ) async throws -> ServiceResponse {
        var headers = headers
        headers[.contentType] = "application/json"
        return try await request(
            method,
            plugin: pluginId,
            path: path,
            query: query,
            headers: headers,
            body: try Self.encode(body)
        )
    }

    /// `GET`s `path` of `pluginId` and decodes the JSON response.
    public func get<Output: Decodable>(
        _ type: Output.Type = Output.self,
        plugin pluginId: String,
        path: String,
        query: [(String, String)] = []
    ) async throws -> Output {
        try await request(.get, plugin: pluginId, path: path, query: query).decode(Output.self)
    }

    /// `POST`s `body` as JSON to `path` of `pluginId` and decodes the JSON response.
    public func post<Output: Decodable>(
        _ type: Output.Type = Output.self,
        plugin pluginId: String,
        path: String,
        query: [(String, String)] = [],
        json body: some Encodable
    ) async throws -> Output {
        try await request(.post, plugin: pluginId, path: path, query: query, json: body).decode(Output.self)
    }

    /// `PUT`s `body` as JSON to `path` of `pluginId` and decodes the JSON response.
    public func put<Output: Decodable>(
        _ type: Output.Type = Output.self,
        plugin pluginId: String,
        path: String,
        query: [(String, String)] = [],
        json body: some Encodable
    ) async throws -> Output {
        try await request(.put, plugin: pluginId, path: path, query: query, json: body).decode(Output.self)
    }

    /// `DELETE`s `path` of `pluginId`.
    @discardableResult
    public func delete(
        plugin pluginId: String, path: String, query: [(String, String)] = []
    ) async throws
        -> ServiceResponse
    {
        try await request(.delete, plugin: pluginId, path: path, query: query)
    }
}
