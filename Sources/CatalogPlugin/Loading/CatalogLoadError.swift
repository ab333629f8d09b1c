import BackendKit

/// A catalog location that could not be read at startup; the host reports it as
/// `Backend failed to start up: <message>`.
struct CatalogLoadError: MessageError {
    /// For example `Failed to read catalog location '/x/all.yaml': no such file`.
    let message: String

    /// Wraps a message.
    init(_ message: String) {
        self.message = message
    }
}
