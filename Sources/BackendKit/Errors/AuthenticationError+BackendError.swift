extension AuthenticationError: BackendError {
    /// Always `AuthenticationError`.
    public var name: String { "AuthenticationError" }

    /// Always `401`.
    public var status: HTTPResponse.Status { .unauthorized }
}
