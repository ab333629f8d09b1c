import Foundation
import Testing

/// The sample plugins show what a plugin package looks like: of this repository's and its dependencies' modules each
/// imports only the plugin API module (the scaffolder also its own action API), as README.md and
/// docs/ARCHITECTURE.md say. A stray import (a lock, a metrics type) would compile through `BackendKit`'s dependencies
/// and quietly make the plugin depend on more than the plugin API.
@Suite("Sample plugin imports")
struct PluginImportsTests {
    /// The modules a sample plugin may import besides `BackendKit`: Foundation and the C library.
    static let platform: Set<String> = ["Foundation", "Glibc", "Darwin"]

    @Test(
        "each sample plugin imports only BackendKit, Foundation and the C library",
        arguments: [
            ("CatalogPlugin", ["BackendKit"]), ("SearchPlugin", ["BackendKit"]),
            ("ScaffolderPlugin", ["BackendKit", "ScaffolderActions"]), ("ScaffolderActions", ["BackendKit"]),
        ])
    func importsOnlyThePluginAPI(module: String, allowed: [String]) throws {
        let folder = Repository.root.appendingPathComponent("Sources/\(module)")
        let files = try #require(FileManager.default.enumerator(atPath: folder.path)).compactMap { $0 as? String }
            .filter { $0.hasSuffix(".swift") }
        #expect(!files.isEmpty)
        var imported: Set<String> = []
        for file in files {
            let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            for line in text.split(separator: "\n").map({ $0.trimmingCharacters(in: .whitespaces) }) {
                // `import X`, `import struct X.Y`, `@testable import X`, `@_exported import X`; not comments.
                let words = line.split(separator: " ")
                guard !line.hasPrefix("//"), let at = words.firstIndex(of: "import"),
                    words[..<at].allSatisfy({ $0.hasPrefix("@") }), let name = words.last
                else { continue }
                let dependency = String(name.split(separator: ".")[0])
                if !Self.platform.contains(dependency) && !allowed.contains(dependency) {
                    Issue.record("Sources/\(module)/\(file) imports \(dependency)")
                }
                imported.insert(dependency)
            }
        }
        #expect(imported.contains("BackendKit"))
    }
}
