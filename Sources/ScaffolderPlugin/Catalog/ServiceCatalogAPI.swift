import BackendKit
import Foundation

/// The live `CatalogAPI`: calls the `catalog` plugin through the host's service client, which
/// resolves it through discovery and sends a server token with every call.
struct ServiceCatalogAPI: CatalogAPI {
    /// The host's client.
    let client: ServiceClient

    func entity(kind: String, namespace: String, name: String) async throws -> JSONValue? {
        let path = "/entities/by-name/\(Self.encode(kind))/\(Self.encode(namespace))/\(Self.encode(name))"
        do {
            return try await client.get(JSONValue.self, plugin: "catalog", path: path)
        } catch let error as ServiceCallError where error.kind == .errorResponse && error.statusCode == 404 {
            return nil
        } catch {
            throw Self.readable(error)
        }
    }

    func register(_ entity: JSONValue) async throws -> JSONValue {
        do {
            return try await client.post(JSONValue.self, plugin: "catalog", path: "/entities", json: entity)
        } catch {
            throw Self.readable(error)
        }
    }

    /// A reason a person can act on, never containing a token.
    static func readable(_ error: any Error) -> CatalogCallError {
        guard let error = error as? ServiceCallError else {
            return CatalogCallError("Could not call the catalog: \(error)")
        }
        switch error.kind {
        case .errorResponse:
            let status = error.statusCode.map(String.init) ?? "an error"
            if error.statusCode == 401 || error.statusCode == 403 {
                // The remote's reason (which key failed, …) is for the catalog's log, not for the task's readers.
                return CatalogCallError("The catalog refused the scaffolder's credentials (\(status))")
            }
            var detail = status
            if let name = error.remoteName { detail += " \(name)" }
            if let message = error.remoteMessage { detail += ": \(message)" }
            return CatalogCallError("The catalog rejected the request \(error.method) \(error.url) (\(detail))")
        case .connectionFailed:
            return CatalogCallError(
                "The catalog is unreachable at \(error.url): \(error.reason ?? "connection failed")")
        case .invalidResponse:
            return CatalogCallError("The catalog sent an invalid response: \(error.reason ?? "unreadable body")")
        case .tokenUnavailable:
            return CatalogCallError("No server token for the catalog call: \(error.reason ?? "unknown error")")
        }
    }

    private static func encode(_ component: String) -> String {
        PercentEncoding.encodeComponent(component)
    }
}
