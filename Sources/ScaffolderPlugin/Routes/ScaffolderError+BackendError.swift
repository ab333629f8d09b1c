import BackendKit

extension ScaffolderError: BackendError {
    /// `InputError` or `NotFoundError`.
    var name: String {
        switch self {
        case .invalidInput: "InputError"
        case .notFound: "NotFoundError"
        }
    }

    /// The message sent to the caller.
    var message: String { description }

    /// 400 or 404.
    var status: HTTPResponse.Status {
        switch self {
        case .invalidInput: .badRequest
        case .notFound: .notFound
        }
    }
}
