import BackendKit

extension ServiceClient {
    /// A client for one collation run.
    ///
    /// The host's `ServiceClient` asks the token manager for a token on every call; the managers
    /// cache their token, so the pages of one run share it.
    func pinningToken() async throws -> ServiceClient {
        self
    }
}
