import BackendConfig
import BackendKit
import BackendRuntime
import Foundation
import Testing

@testable import CatalogPlugin

@Suite("Catalog locations")
struct LocationLoaderTests {
    /// A fresh temporary directory, removed after `body`.
    private func withDirectory(_ body: (String) throws -> Void) throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("catalog-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: path) }
        try body(path)
    }

    private func loaded(_ locations: [CatalogLocation]) throws -> LocationLoader {
        var loader = LocationLoader()
        try loader.load(locations)
        return loader
    }

    private func write(_ text: String, to path: String) throws {
        try FileManager.default.createDirectory(
            atPath: PathUtilities.directory(of: path), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    @Test("the example catalog loads: components, a system, a group and a template")
    func exampleCatalog() throws {
        let config = Config(TestHosts.config())
        var loader = LocationLoader()
        try loader.load(try CatalogLocation.read(from: config, workingDirectory: "/"))
        let refs = Set(loader.entities.map(\.ref.description))
        #expect(loader.entities.count == TestHosts.exampleEntityCount)
        #expect(refs.contains("component:default/payment-service"))
        #expect(refs.contains("system:default/payments"))
        #expect(refs.contains("group:default/platform-team"))
        #expect(refs.contains("template:default/create-component"))
    }

    @Test("relative targets resolve against the declaring config file's directory")
    func relativeToConfigFile() throws {
        try withDirectory { directory in
            try write(
                "catalog:\n  locations:\n    - type: file\n      target: ./cat/e.yaml\n",
                to: directory + "/conf/app-config.yaml")
            let appConfig = try ConfigLoader(environment: [:], workingDirectory: "/").load(paths: [
                directory + "/conf/app-config.yaml"
            ])
            let locations = try CatalogLocation.read(from: appConfig.config, workingDirectory: "/elsewhere")
            #expect(
                PathUtilities.resolve(locations[0].target, against: locations[0].baseDirectory) == directory
                    + "/conf/cat/e.yaml")
            let fromMemory = try CatalogLocation.read(
                from: Config(["catalog": ["locations": [["type": "file", "target": "x.yaml"]]]]),
                workingDirectory: "/work")
            #expect(PathUtilities.resolve(fromMemory[0].target, against: fromMemory[0].baseDirectory) == "/work/x.yaml")

            // A target that is missing names the key and the config file that declared it.
            #expect(
                throws: CatalogLoadError(
                    "Failed to read catalog location '\(directory)/conf/cat/e.yaml' "
                        + "(catalog.locations[0].target in \(directory)/conf/app-config.yaml): No such file or directory"
                )
            ) {
                _ = try loaded(locations)
            }
            #expect(fromMemory[0].declaredAt == "catalog.locations[0].target")
        }
    }

    @Test("multi-document files, Location entities and globs are followed; empty documents skipped")
    func multiDocument() throws {
        try withDirectory { directory in
            try write(
                """
                apiVersion: backstage.io/v1alpha1
                kind: Location
                metadata: {name: root}
                spec:
                  targets: [./more/*.yaml]
                ---
                apiVersion: backstage.io/v1alpha1
                kind: Component
                metadata: {name: a}
                spec: {type: service, owner: me}
                ---
                """, to: directory + "/root.yaml")
            try write(
                "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: g}\n---\napiVersion: backstage.io/v1alpha1\nkind: User\nmetadata: {name: u}\n",
                to: directory + "/more/one.yaml")
            try write(
                "apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata: {name: api}\n",
                to: directory + "/more/two.yaml")
            try write("not: an entity\n", to: directory + "/more/ignored.txt")
            var loader = LocationLoader()
            try loader.load([CatalogLocation(type: "file", target: "root.yaml", baseDirectory: directory)])
            #expect(
                loader.entities.map(\.ref.description)
                    == [
                        "location:default/root", "component:default/a", "group:default/g", "user:default/u",
                        "api:default/api",
                    ])
            #expect(loader.files.count == 3)
        }
    }

    @Test("problems stop startup with the file named")
    func failures() throws {
        try withDirectory { directory in
            var loader = LocationLoader()
            #expect(
                throws: CatalogLoadError(
                    "Failed to read catalog location '\(directory)/missing.yaml': No such file or directory")
            ) {
                try loader.load([CatalogLocation(type: "file", target: "missing.yaml", baseDirectory: directory)])
            }
            try write(
                "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata: {name: l}\nspec: {targets: [./gone.yaml]}\n",
                to: directory + "/pointer.yaml")
            #expect(
                throws: CatalogLoadError(
                    "Failed to read catalog location '\(directory)/gone.yaml' "
                        + "(Location 'location:default/l' in \(directory)/pointer.yaml): No such file or directory")
            ) {
                _ = try loaded([CatalogLocation(type: "file", target: "pointer.yaml", baseDirectory: directory)])
            }
            try write("apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {}\n", to: directory + "/bad.yaml")
            #expect(
                throws: CatalogLoadError(
                    "\(directory)/bad.yaml: document 1: Invalid entity: 'metadata.name' is required")
            ) {
                _ = try loaded([CatalogLocation(type: "file", target: "bad.yaml", baseDirectory: directory)])
            }
            try write("a: [1, 2\n", to: directory + "/broken.yaml")
            do {
                var broken = LocationLoader()
                try broken.load([CatalogLocation(type: "file", target: "broken.yaml", baseDirectory: directory)])
                Issue.record("expected a parse error")
            } catch {
                #expect("\(error)".hasPrefix("Failed to parse catalog location: \(directory)/broken.yaml:"))
            }
            try write(
                "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: g}\n---\napiVersion: backstage.io/v1alpha1\nkind: group\nmetadata: {name: G}\n",
                to: directory + "/dup.yaml")
            #expect(
                throws: CatalogLoadError(
                    "\(directory)/dup.yaml: document 2: entity 'group:default/G' is already defined in \(directory)/dup.yaml"
                )
            ) {
                _ = try loaded([CatalogLocation(type: "file", target: "dup.yaml", baseDirectory: directory)])
            }
        }
    }

    @Test("url locations are skipped with a reason")
    func urlSkipped() throws {
        var loader = LocationLoader()
        try loader.load([CatalogLocation(type: "url", target: "https://example.com/x.yaml", baseDirectory: "/")])
        #expect(
            loader.skipped == [
                "Skipped catalog location 'https://example.com/x.yaml': type 'url' is not supported, only 'file'"
            ])
    }

    @Test("catalog.fileLocationRoots resolve against the declaring config file; unset is nil")
    func rootsRelativeToConfigFile() throws {
        try withDirectory { directory in
            try write(
                "catalog:\n  fileLocationRoots: [./cat, /abs/../srv]\n", to: directory + "/conf/app-config.yaml")
            let appConfig = try ConfigLoader(environment: [:], workingDirectory: "/").load(paths: [
                directory + "/conf/app-config.yaml"
            ])
            let roots = try #require(try FileLocationRoots.read(from: appConfig.config, workingDirectory: "/elsewhere"))
            #expect(roots.directories == [directory + "/conf/cat", "/srv"])
            #expect(roots.contains(directory + "/conf/cat/e.yaml"))
            #expect(roots.contains(directory + "/conf/cat/missing/deeper.yaml"))
            #expect(!roots.contains(directory + "/conf/catalog.yaml"))
            #expect(!roots.contains("/srv2/x.yaml"))
            #expect(try FileLocationRoots.read(from: Config([:]), workingDirectory: "/") == nil)
        }
    }

    /// The backtracking matcher the catalog used before, as the oracle of what `*` and `?` mean.
    private func backtrackingMatches(_ name: String, _ pattern: String) -> Bool {
        let text = Array(name)
        let glob = Array(pattern)
        var (t, g, mark) = (0, 0, 0)
        var star: Int?
        while t < text.count {
            if g < glob.count, glob[g] == "?" || glob[g] == text[t] {
                t += 1
                g += 1
            } else if g < glob.count, glob[g] == "*" {
                star = g
                mark = t
                g += 1
            } else if let star {
                g = star + 1
                mark += 1
                t = mark
            } else {
                return false
            }
        }
        while g < glob.count, glob[g] == "*" { g += 1 }
        return g == glob.count
    }

    @Test("the glob matcher agrees with backtracking on 20,000 random cases, and a 200 KB name is quick")
    func globMatcher() {
        var generator = SystemRandomNumberGenerator()
        let letters: [Character] = ["a", "b", "/"]
        let symbols: [Character] = ["a", "b", "/", "*", "?"]
        for _ in 0..<20_000 {
            let name = String((0..<Int.random(in: 0...12, using: &generator)).map { _ in letters.randomElement()! })
            let pattern = String(
                (0..<Int.random(in: 0...8, using: &generator)).map { _ in symbols.randomElement()! })
            #expect(
                PathUtilities.matches(name, pattern: pattern) == backtrackingMatches(name, pattern),
                "\(name) against \(pattern)")
        }
        #expect(PathUtilities.matches("/srv/catalog/team-a.yaml", pattern: "*/team-?.yaml"))
        #expect(!PathUtilities.matches("/srv/catalog/team-ab.yaml", pattern: "*/team-?.yaml"))
        // The worst case of backtracking (44.8 s there): one long piece searched along a long name.
        let name = String(repeating: "a", count: 200_000)
        #expect(!PathUtilities.matches(name, pattern: "*" + String(repeating: "a", count: 100_000) + "b*"))
        #expect(PathUtilities.matches(name + "b", pattern: "*" + String(repeating: "a", count: 100_000) + "b*"))
    }
}
