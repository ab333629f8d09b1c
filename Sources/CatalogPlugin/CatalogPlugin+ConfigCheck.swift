import BackendKit
import Foundation

extension CatalogPlugin {
    /// Reads `catalog.locations` and loads the entity files as ``register(_:_:)`` does, so a missing or
    /// malformed location file is reported by `backend config check` rather than at startup.
    public func checkConfig(_ config: Config) -> [any Error] {
        do {
            let settings = try CatalogSettings(
                config: config, workingDirectory: FileManager.default.currentDirectoryPath)
            var loader = settings.configLoader()
            try loader.load(settings.locations)
            return []
        } catch {
            return [error]
        }
    }
}
