import BackendKit

extension ScaffolderPlugin {
    /// Reads the `scaffolder` section as ``register(_:_:)`` does.
    public func checkConfig(_ config: Config) -> [any Error] {
        do {
            _ = try ScaffolderSettings(config: config)
            return []
        } catch {
            return [error]
        }
    }
}
