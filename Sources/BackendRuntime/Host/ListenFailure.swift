import BackendKit
import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The one-line startup error for a listener that could not bind: the address, the cause and the config key, as in
/// `Could not listen on 127.0.0.1:7007: Address already in use (backend.listen)`.
enum ListenFailure {
    /// `Could not listen <what>on <address>: <cause> (<key>)`; `what` is empty for the API server and `for metrics `
    /// for the metrics listener.
    static func error(
        _ what: String = "", address: ListenAddress, key: String, cause error: any Error
    )
        -> BackendStartupError
    {
        BackendStartupError("Could not listen \(what)on \(address): \(cause(of: error)) (\(key))")
    }

    /// The operating system's words for a socket error (`Address already in use`, `Permission denied`, `Cannot
    /// assign requested address`), else the error's own description.
    static func cause(of error: any Error) -> String {
        if let io = error as? IOError {
            return String(cString: strerror(io.errnoCode))
        }
        return "\(error)"
    }
}
