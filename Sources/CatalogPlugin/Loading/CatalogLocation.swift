import BackendKit

/// One entry of `catalog.locations`: `{type: file, target: <path or glob>}`.
struct CatalogLocation: Sendable, Equatable {
    /// `file` (read) or `url` (not supported by the sample; skipped with a warning).
    let type: String
    /// The target as written.
    let target: String
    /// The directory a relative `target` is resolved against.
    let baseDirectory: String

    /// Reads `catalog.locations`. A relative `target` is resolved against the directory of the
    /// config file that declared it, or the working directory when it came from the environment or
    /// code.
    static func read(from config: Config, workingDirectory: String) throws -> [CatalogLocation] {
        guard let entries = try config.getOptionalConfigArray("catalog.locations") else { return [] }
        return try entries.map { entry in
            let target = try entry.getString("target")
            var base = workingDirectory
            if let source = entry.source(of: "target")?.name, !source.hasPrefix("<"), source != "env" {
                let directory = PathUtilities.directory(of: source)
                base = PathUtilities.resolve(directory, against: workingDirectory)
            }
            return CatalogLocation(
                type: try entry.getOptionalString("type") ?? "file", target: target, baseDirectory: base)
        }
    }
}
