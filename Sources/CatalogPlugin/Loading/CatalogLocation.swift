import BackendKit

/// One entry of `catalog.locations`: `{type: file, target: <path or glob>}`.
struct CatalogLocation: Sendable, Equatable {
    /// `file` (read) or `url` (not supported by the sample; skipped with a warning).
    let type: String
    /// The target as written.
    let target: String
    /// The directory a relative `target` is resolved against.
    let baseDirectory: String
    /// Where the location was declared, for error messages (`catalog.locations[0].target in /srv/app-config.yaml`);
    /// nil when it was not read from config.
    let declaredAt: String?

    /// A location; `declaredAt` names its config key and file for error messages.
    init(type: String, target: String, baseDirectory: String, declaredAt: String? = nil) {
        self.type = type
        self.target = target
        self.baseDirectory = baseDirectory
        self.declaredAt = declaredAt
    }

    /// Reads `catalog.locations`. A relative `target` is resolved against the directory of the
    /// config file that declared it, or the working directory when it came from the environment or
    /// code.
    static func read(from config: Config, workingDirectory: String) throws -> [CatalogLocation] {
        guard let entries = try config.getOptionalConfigArray("catalog.locations") else { return [] }
        return try entries.enumerated().map { index, entry in
            let target = try entry.getString("target")
            let source = entry.source(of: "target")
            var declaredAt = "catalog.locations[\(index)].target"
            if let file = PathUtilities.configFile(of: source) { declaredAt += " in \(file)" }
            let base = PathUtilities.baseDirectory(for: source, workingDirectory: workingDirectory)
            return CatalogLocation(
                type: try entry.getOptionalString("type") ?? "file", target: target, baseDirectory: base,
                declaredAt: declaredAt)
        }
    }
}
