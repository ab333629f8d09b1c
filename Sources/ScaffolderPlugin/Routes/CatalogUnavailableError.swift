import BackendKit

/// The catalog could not be asked for the template when a task was submitted (503
/// `ServiceUnavailableError`, as Backstage names it).
struct CatalogUnavailableError: BackendError, CustomStringConvertible {
    /// The readable reason.
    let message: String

    /// `ServiceUnavailableError`.
    var name: String { "ServiceUnavailableError" }

    /// 503.
    var status: HTTPResponse.Status { .serviceUnavailable }

    /// The message.
    var description: String { message }
}
