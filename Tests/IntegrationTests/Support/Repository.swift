import Foundation

/// Paths inside this repository, found from this file's location (`Tests/IntegrationTests/Support/`).
enum Repository {
    /// The repository root.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// `path` below the repository root.
    static func path(_ path: String) -> URL {
        root.appendingPathComponent(path)
    }
}
