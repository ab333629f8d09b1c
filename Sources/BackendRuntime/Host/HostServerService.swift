import BackendKit
import Hummingbird
import ServiceLifecycle

/// The Hummingbird application as a service of the host's service group; closes the listening gate when
/// the server stops, so background work waiting for it does not wait forever.
///
/// With a metrics listener it binds only once that listener has: both listeners are up before any plugin starts,
/// and a metrics port that is taken stops startup before the server listens.
struct HostServerService: Service, CustomStringConvertible {
    /// The HTTP application.
    let application: Application<HostResponder>
    /// Opened by the application's `onServerRunning`.
    let gate: StartupSignal
    /// The metrics listener's gate, waited for before binding; `nil` without `backend.metrics.listen`.
    var metricsGate: StartupSignal?

    /// `HTTPServer`.
    var description: String { "HTTPServer" }

    func run() async throws {
        if let metricsGate, await metricsGate.wait() == nil {
            // The metrics listener failed: its error is the one the group reports, so wait here for the group to
            // end rather than finishing first.
            gate.close()
            try? await gracefulShutdown()
            return
        }
        do {
            try await application.run()
        } catch {
            gate.close()
            throw error
        }
        gate.close()
    }
}
