/// Issues and verifies service-to-service tokens (Backstage's `TokenManager`).
public protocol TokenManager: Sendable {
    /// A token the caller can send to another backend plugin. Cheap to call per request: managers
    /// cache the token and re-issue it only when it gets old.
    func getToken() async throws -> ServerToken

    /// Accepts a valid token or throws an ``AuthenticationError`` explaining why it is invalid.
    func authenticate(_ token: String) async throws
}
