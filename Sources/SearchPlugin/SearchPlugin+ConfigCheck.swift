import BackendKit

extension SearchPlugin {
    /// Reads the `search` section (collator schedule, page size, filters) as ``register(_:_:)`` does.
    public func checkConfig(_ config: Config) -> [any Error] {
        do {
            _ = try SearchSettings(config: config)
            return []
        } catch {
            return [error]
        }
    }
}
