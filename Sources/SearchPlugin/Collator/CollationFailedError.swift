import BackendKit

/// A collation run that failed; as a response, 503 `ServiceUnavailableError`.
struct CollationFailedError: BackendError, CustomStringConvertible {
    /// Why it failed (the catalog's answer or the connection problem).
    let reason: String
    /// Documents still served from the previous index.
    let documentsKept: Int

    /// `ServiceUnavailableError`.
    var name: String { "ServiceUnavailableError" }

    /// `Catalog collation failed, keeping the last index of N documents: <reason>`.
    var message: String {
        "Catalog collation failed, keeping the last index of \(documentsKept) documents: \(reason)"
    }

    /// 503.
    var status: HTTPResponse.Status { .serviceUnavailable }

    /// The message.
    var description: String { message }
}
