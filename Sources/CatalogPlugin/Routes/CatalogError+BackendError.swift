import BackendKit

extension CatalogError: BackendError {
    /// `InputError`, `ConflictError` or `NotFoundError`.
    var name: String {
        switch self {
        case .invalidInput: "InputError"
        case .conflict: "ConflictError"
        case .notFound: "NotFoundError"
        }
    }

    /// The message sent to the caller.
    var message: String { description }

    /// 400, 409 or 404.
    var status: HTTPResponse.Status {
        switch self {
        case .invalidInput: .badRequest
        case .conflict: .conflict
        case .notFound: .notFound
        }
    }
}
