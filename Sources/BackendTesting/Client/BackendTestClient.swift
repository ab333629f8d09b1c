import BackendKit
import Foundation
import HTTPTypes
import NIOCore

/// The client a test body gets: requests to the test host as any ``TestCaller``, plus what the host logged, its
/// plugins' environments and their scheduled tasks.
///
/// Paths are the full paths of `backend run` (`/api/<plugin id>/…`, `/healthcheck`).
///
/// ```swift
/// try await TestBackend(plugins: [HelloPlugin()]).test { client in
///     let response = try await client.get("/api/hello/greeting")
///     #expect(response.text == "Hello, world!")
/// }
/// ```
public struct BackendTestClient: Sendable {
    let transport: any HostTransport
    let credentials: TestCredentials
    let environments: PluginEnvironments

    /// What the host logged so far.
    public let logs: TestLogs
    /// The engine of the plugins' databases.
    public let engine: TestDatabaseEngine
    /// `http://127.0.0.1:<port>` with ``TestTransport/live``; `nil` in process.
    public let baseURL: String?
    /// The ids of the mounted plugins, in mount order.
    public let pluginIds: [String]
    /// The token manager the host verifies tokens with.
    public let tokenManager: any TokenManager

    /// Sends `method` to `path` (with its query) as `caller`, with `headers` and `body`.
    ///
    /// - Throws: ``UndeclaredCallerError`` for a service caller the host was not started with; a transport error.
    public func request(
        _ method: HTTPRequest.Method, _ path: String, as caller: TestCaller = .none, headers: HTTPFields = [:],
        body: ByteBuffer? = nil
    ) async throws -> BackendTestResponse {
        var headers = headers
        if let authorization = try credentials.authorization(for: caller, path: path) {
            headers[.authorization] = authorization
        }
        return try await transport.execute(uri: path, method: method, headers: headers, body: body)
    }

    /// Sends `method` to `path` as `caller` with `json` encoded as the body (`Content-Type: application/json`).
    public func request(
        _ method: HTTPRequest.Method, _ path: String, as caller: TestCaller = .none, headers: HTTPFields = [:],
        json: some Encodable
    ) async throws -> BackendTestResponse {
        var headers = headers
        headers[.contentType] = "application/json"
        return try await request(
            method, path, as: caller, headers: headers,
            body: ByteBuffer(bytes: try JSONEncoder.backend().encode(json)))
    }

    /// Sends `method` to `path` as `caller` with `jsonText` as the body, exactly as written, with
    /// `Content-Type: application/json`: for bodies an `Encodable` cannot produce, such as malformed JSON or members
    /// in a given order.
    ///
    /// ```swift
    /// let response = try await client.request(.post, "/api/hello/greetings", as: .backend, jsonText: "{nope")
    /// #expect(response.status == .badRequest)
    /// ```
    public func request(
        _ method: HTTPRequest.Method, _ path: String, as caller: TestCaller = .none, headers: HTTPFields = [:],
        jsonText: String
    ) async throws -> BackendTestResponse {
        var headers = headers
        headers[.contentType] = "application/json"
        return try await request(method, path, as: caller, headers: headers, body: ByteBuffer(string: jsonText))
    }

    /// `GET path` as `caller`.
    public func get(
        _ path: String, as caller: TestCaller = .none, headers: HTTPFields = [:]
    ) async throws -> BackendTestResponse {
        try await request(.get, path, as: caller, headers: headers)
    }

    /// `POST path` as `caller` with `json` as the body.
    public func post(
        _ path: String, json: some Encodable, as caller: TestCaller = .none, headers: HTTPFields = [:]
    ) async throws -> BackendTestResponse {
        try await request(.post, path, as: caller, headers: headers, json: json)
    }

    /// `POST path` as `caller` with no body.
    public func post(
        _ path: String, as caller: TestCaller = .none, headers: HTTPFields = [:]
    ) async throws -> BackendTestResponse {
        try await request(.post, path, as: caller, headers: headers)
    }

    /// `PUT path` as `caller` with `json` as the body.
    public func put(
        _ path: String, json: some Encodable, as caller: TestCaller = .none, headers: HTTPFields = [:]
    ) async throws -> BackendTestResponse {
        try await request(.put, path, as: caller, headers: headers, json: json)
    }

    /// `DELETE path` as `caller`.
    public func delete(
        _ path: String, as caller: TestCaller = .none, headers: HTTPFields = [:]
    ) async throws -> BackendTestResponse {
        try await request(.delete, path, as: caller, headers: headers)
    }

    /// The bearer token `caller` sends (`nil` for ``TestCaller/none``), for a request the client does not make; a
    /// plugin caller's token is addressed to plugin `audience`.
    public func token(for caller: TestCaller, audience: String? = nil) throws -> String? {
        try credentials.token(for: caller, audience: audience)
    }

    /// The environment the host registered `pluginId` with: its database, scheduler, client, config and logger.
    ///
    /// - Throws: ``UnknownTestPluginError`` when no plugin of the host has that id.
    public func environment(of pluginId: String) throws -> PluginEnvironment {
        guard let environment = environments.environment(of: pluginId) else {
            throw UnknownTestPluginError(pluginId: pluginId, pluginIds: pluginIds)
        }
        return environment
    }

    /// Runs every task `pluginId` scheduled, once each in scheduling order, now, and returns their ids: no waiting
    /// for their frequency or initial delay, no lease, no change to their next scheduled start.
    ///
    /// - Throws: ``UnknownTestPluginError``; the first error a task's work threw (later tasks do not run).
    @discardableResult
    public func runScheduledTasks(of pluginId: String) async throws -> [String] {
        let scheduler = try environment(of: pluginId).scheduler
        let ids = scheduler.scheduledTasks.map(\.id)
        for id in ids {
            try await scheduler.runNow(id)
        }
        return ids
    }

    /// Runs task `id` of `pluginId` once, now (see ``runScheduledTasks(of:)``).
    ///
    /// - Throws: ``UnknownTestPluginError``; `NotFoundError` `Task <id> does not exist`; the work's error.
    public func runScheduledTask(_ id: String, of pluginId: String) async throws {
        try await environment(of: pluginId).scheduler.runNow(id)
    }
}

/// A test asked for a plugin the test host does not run.
public struct UnknownTestPluginError: Error, CustomStringConvertible {
    /// The id asked for.
    public let pluginId: String
    /// The host's plugins.
    public let pluginIds: [String]

    /// Names both.
    public var description: String {
        "The test host runs no plugin '\(pluginId)'; its plugins: \(pluginIds.joined(separator: ", "))"
    }
}
