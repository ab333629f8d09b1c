import Foundation
import Hummingbird

extension PluginRoutes {
    /// The path the OpenAPI document is served at, relative to the plugin mount: `/openapi.json`.
    public static let openAPIDocumentPath = "/openapi.json"

    /// Serves the plugin's OpenAPI document, the `openapi.json` resource of `bundle`, at `GET /openapi.json`
    /// (public), with `servers` set to the plugin's external base URL.
    ///
    /// Keep the document next to the plugin's sources and declare it a resource of the target, so the file in
    /// the repository is the only copy:
    ///
    /// ```swift
    /// // Package.swift
    /// .target(name: "HelloPlugin", dependencies: ["BackendKit"], resources: [.copy("openapi.json")])
    /// // register(_:_:)
    /// try await routes.addOpenAPIDocument(from: .module, environment: env)
    /// ```
    ///
    /// The document is read, checked and encoded once, at registration; requests are served from those bytes.
    ///
    /// - Throws: ``OpenAPIDocumentError`` when the resource is missing or is not a JSON object with an `openapi`
    ///   member (a startup error).
    public func addOpenAPIDocument(from bundle: Bundle, environment env: PluginEnvironment) async throws {
        guard let url = bundle.url(forResource: "openapi", withExtension: "json") else {
            throw OpenAPIDocumentError(pluginId: pluginId, reason: "the resource openapi.json is missing")
        }
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw OpenAPIDocumentError(pluginId: pluginId, reason: "\(url.path) could not be read: \(error)")
        }
        let serverURL = try await env.discovery.getExternalBaseUrl(pluginId)
        try addOpenAPIDocument(data, serverURL: serverURL)
    }

    /// Serves `json`, an OpenAPI document, at `GET /openapi.json` (public), with `servers` replaced by one entry
    /// for `serverURL` when it is given.
    ///
    /// - Throws: ``OpenAPIDocumentError`` when `json` is not a JSON object with an `openapi` member.
    public func addOpenAPIDocument(_ json: Data, serverURL: String?) throws {
        let parsed: JSONValue
        do {
            parsed = try JSONValue(parsing: json)
        } catch {
            throw OpenAPIDocumentError(pluginId: pluginId, reason: "openapi.json is not valid JSON")
        }
        guard var document = parsed.objectValue, document["openapi"]?.stringValue != nil else {
            throw OpenAPIDocumentError(
                pluginId: pluginId, reason: "openapi.json is not an OpenAPI document (no 'openapi' member)")
        }
        if let serverURL {
            document["servers"] = [["url": .string(serverURL)]]
        }
        let body = JSONValue.object(document).jsonBuffer
        get(RouterPath(stringLiteral: Self.openAPIDocumentPath), access: .public) { _, _ in EncodedJSONBody(body) }
    }
}

/// A plugin's OpenAPI document could not be served: the resource is missing or is not an OpenAPI JSON document.
public struct OpenAPIDocumentError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The plugin whose document it is.
    public let pluginId: String
    /// What is wrong.
    public let reason: String

    /// Creates the error.
    public init(pluginId: String, reason: String) {
        self.pluginId = pluginId
        self.reason = reason
    }

    /// `Plugin 'catalog' has no usable OpenAPI document: <reason>`.
    public var description: String { "Plugin '\(pluginId)' has no usable OpenAPI document: \(reason)" }
}
