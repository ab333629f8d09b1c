/// A plugin's background work as run by the host: waits until the server listens, then runs the
/// plugin's service; errors are logged instead of stopping the backend.
struct BackgroundService: Service, CustomStringConvertible {
    /// The work's name, for logs.
    let name: String
    /// The plugin that registered it.
    let pluginId: String
    /// The plugin's service.
    let service: any Service
    /// The plugin's logger.
    let logger: Logger
    /// Opened when the server listens; set by the host before the service group runs.
    var gate: ListeningGate?

    init(name: String, pluginId: String, service: any Service, logger: Logger, gate: ListeningGate? = nil) {
        self.name = name
        self.pluginId = pluginId
        self.service = service
        self.logger = logger
        self.gate = gate
    }

    /// `<plugin>/<name>`.
    var description: String { "\(pluginId)/\(name)" }

    func run() async throws {
        if let gate {
            guard await gate.waitUntilListening() != nil else { return }
        }
        guard !Task.isShuttingDownGracefully, !Task.isCancelled else { return }
        logger.debug("Starting background work '\(name)'")
        do {
            try await service.run()
        } catch is CancellationError {
            return
        } catch {
            logger.error("Background work '\(name)' failed: \(error)")
        }
    }
}
