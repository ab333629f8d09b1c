/// A call to the catalog that failed, with a readable reason for the task log.
struct CatalogCallError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The reason, for example `The catalog rejected the request (409 ConflictError): …`.
    let message: String

    /// Wraps a reason.
    init(_ message: String) {
        self.message = message
    }

    /// The reason.
    var description: String { message }
}
