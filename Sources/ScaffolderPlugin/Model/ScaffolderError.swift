/// A failure of the scaffolder's domain logic, mapped to Backstage's error types by the routes.
enum ScaffolderError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The request is malformed (400 `InputError`).
    case invalidInput(String)
    /// The template or task does not exist (404 `NotFoundError`).
    case notFound(String)

    /// The user-facing message.
    var description: String {
        switch self {
        case .invalidInput(let message), .notFound(let message): message
        }
    }
}
