import BackendKit

/// The plugin's reading of the `catalog:` config section.
struct CatalogSettings: Sendable, Equatable {
    /// `catalog.locations`, resolved.
    let locations: [CatalogLocation]
    /// `catalog.fileLocationRoots`: nil when unset, which refuses `file` locations registered through the API.
    let fileLocationRoots: FileLocationRoots?
    /// `catalog.rules`, or Backstage's default.
    let rules: CatalogRules
    /// `catalog.readonly`: refuse every change through the API (default false).
    let readonly: Bool
    /// `catalog.limits`: the bounds on one request's work.
    let limits: CatalogLimits

    /// Reads the section from the root config.
    init(config: Config, workingDirectory: String) throws {
        locations = try CatalogLocation.read(from: config, workingDirectory: workingDirectory)
        fileLocationRoots = try FileLocationRoots.read(from: config, workingDirectory: workingDirectory)
        rules = try CatalogRules.read(from: config, workingDirectory: workingDirectory)
        readonly = try config.getOptionalBoolean("catalog.readonly") ?? false
        limits = try CatalogLimits(config: config)
    }

    /// A loader for `catalog.locations`: any path, entities the rules refuse skipped with a warning.
    func configLoader() -> LocationLoader {
        LocationLoader(rules: rules)
    }

    /// A loader for a location registered through the API: confined to the roots, refused kinds refused.
    func registrationLoader(roots: FileLocationRoots) -> LocationLoader {
        LocationLoader(roots: roots, rules: rules, refusesDisallowedKinds: true)
    }
}
