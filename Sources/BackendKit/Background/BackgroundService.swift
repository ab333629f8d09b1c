/// A plugin's background work as run by the host once every plugin has registered; errors are logged instead of
/// stopping the backend.
package struct BackgroundService: Service, CustomStringConvertible {
    /// The work's name, for logs.
    let name: String
    /// The plugin that registered it.
    let pluginId: String
    /// The plugin's service.
    let service: any Service
    /// The plugin's logger.
    let logger: Logger

    /// `<plugin>/<name>`.
    package var description: String { "\(pluginId)/\(name)" }

    package func run() async {
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
