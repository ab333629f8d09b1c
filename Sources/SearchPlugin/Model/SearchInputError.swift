import BackendKit

/// A malformed search request (400 `InputError`).
struct SearchInputError: BackendError, Equatable, CustomStringConvertible {
    /// The message sent to the caller.
    let message: String

    /// Wraps a message.
    init(_ message: String) {
        self.message = message
    }

    /// `InputError`.
    var name: String { "InputError" }

    /// 400.
    var status: HTTPResponse.Status { .badRequest }

    /// The message.
    var description: String { message }
}
