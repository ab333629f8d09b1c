import BackendKit

/// What the scaffolder needs from the catalog; the live implementation calls the catalog plugin
/// through the service client with a bearer token.
protocol CatalogAPI: Sendable {
    /// The entity with this identity, or nil when the catalog answers 404.
    func entity(kind: String, namespace: String, name: String) async throws -> JSONValue?
    /// Registers a new entity with `POST /entities` and returns what the catalog stored.
    func register(_ entity: JSONValue) async throws -> JSONValue
}

/// A call to the catalog that failed, with a readable reason for the task log.
struct CatalogCallError: MessageError {
    /// The reason, for example `The catalog rejected the request (409 ConflictError): …`.
    let message: String

    /// Wraps a reason.
    init(_ message: String) {
        self.message = message
    }
}
