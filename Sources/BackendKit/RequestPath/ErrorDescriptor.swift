import Hummingbird
/// What the caller is told about an error: status, name and message of the JSON body.
///
/// Built by ``ErrorDescriptor/init(_:)``, the single place where thrown errors are classified.
struct ErrorDescriptor: Sendable, Equatable {
    /// The generic message of every `500`.
    static let internalServerErrorMessage = "Internal server error"

    /// The response status.
    let status: HTTPResponse.Status
    /// `error.name` of the body.
    let name: String
    /// `error.message` of the body.
    let message: String
    /// True when the body hides the error's details (they belong in the log only).
    let isInternal: Bool

    /// Names of Backstage's client error types (4xx), by the status they map to, from the error types themselves.
    static let namesByStatus: [Int: String] = Dictionary(
        uniqueKeysWithValues: standardErrorTypes.filter { $0.errorStatus.code < 500 }.map {
            ($0.errorStatus.code, $0.errorName)
        } + [(HTTPResponse.Status.unauthorized.code, "AuthenticationError")]
    )

    /// Classifies `error`.
    init(_ error: any Error) {
        switch error {
        case let error as any BackendError:
            self.init(status: error.status, name: error.name, message: error.message, isInternal: false)
        case let error as ServiceCallError:
            self.init(error.callerError)
        case let error as HTTPError where error.status.code < 500:
            self.init(
                status: error.status,
                name: Self.namesByStatus[error.status.code] ?? "Error",
                message: error.body ?? Self.statusText(error.status),
                isInternal: false
            )
        case let error as any HTTPResponseError where error.status.code < 500:
            self.init(
                status: error.status,
                name: Self.namesByStatus[error.status.code] ?? "Error",
                message: Self.statusText(error.status),
                isInternal: false
            )
        default:
            self = .internalServerError
        }
    }

    /// The reason phrase of `status`, or `HTTP <code>` when it has none.
    static func statusText(_ status: HTTPResponse.Status) -> String {
        status.reasonPhrase.isEmpty ? "HTTP \(status.code)" : status.reasonPhrase
    }

    init(status: HTTPResponse.Status, name: String, message: String, isInternal: Bool) {
        self.status = status
        self.name = name
        self.message = message
        self.isInternal = isInternal
    }

    /// The descriptor of every error that is not meant for the caller.
    static let internalServerError = ErrorDescriptor(
        status: .internalServerError,
        name: "Error",
        message: internalServerErrorMessage,
        isInternal: true
    )
}
