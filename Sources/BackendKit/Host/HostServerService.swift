/// The Hummingbird application as a service of the host's service group; closes the listening gate when
/// the server stops, so background work waiting for it does not wait forever.
struct HostServerService: Service, CustomStringConvertible {
    /// The HTTP application.
    let application: Application<HostResponder>
    /// Opened by the application's `onServerRunning`.
    let gate: ListeningGate

    /// `HTTPServer`.
    var description: String { "HTTPServer" }

    func run() async throws {
        do {
            try await application.run()
        } catch {
            gate.close()
            throw error
        }
        gate.close()
    }
}
