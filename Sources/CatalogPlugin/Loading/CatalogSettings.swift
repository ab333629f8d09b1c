import BackendKit

/// The plugin's reading of the `catalog:` config section.
struct CatalogSettings: Sendable, Equatable {
    /// `catalog.locations`, resolved.
    let locations: [CatalogLocation]

    /// Reads the section from the root config.
    init(config: Config, workingDirectory: String) throws {
        locations = try CatalogLocation.read(from: config, workingDirectory: workingDirectory)
    }
}
