import Foundation

/// A config file being transformed: its display name (used as the source of its values and in messages),
/// its filesystem path, and the chain of files that included it.
struct ConfigFile: Sendable {
    /// The name used in messages and as the values' source (relative names stay relative).
    let displayName: String
    /// The absolute, standardized filesystem path.
    let path: String
    /// Display names from the top-level file down to this one.
    let chain: [String]
    /// Standardized paths matching `chain`, for cycle detection.
    let chainPaths: [String]

    var source: ConfigSource { ConfigSource(name: displayName) }

    /// A top-level file: `name` as given, resolved against `workingDirectory` when relative.
    init(name: String, workingDirectory: String) {
        displayName = name
        path = Self.resolve(name, against: workingDirectory)
        chain = [name]
        chainPaths = [path]
    }

    private init(displayName: String, path: String, chain: [String], chainPaths: [String]) {
        self.displayName = displayName
        self.path = path
        self.chain = chain
        self.chainPaths = chainPaths
    }

    /// The file `reference` relative to this file's directory (names stay relative for display).
    func relative(_ reference: String) -> ConfigFile {
        let directory = (path as NSString).deletingLastPathComponent
        let displayDirectory = (displayName as NSString).deletingLastPathComponent
        let display: String
        if reference.hasPrefix("/") {
            display = reference
        } else {
            display = Self.normalize(displayDirectory.isEmpty ? reference : displayDirectory + "/" + reference)
        }
        let resolved = Self.resolve(reference, against: directory)
        return ConfigFile(
            displayName: display, path: resolved, chain: chain + [display], chainPaths: chainPaths + [resolved]
        )
    }

    /// `path` made absolute against `directory` and standardized.
    static func resolve(_ path: String, against directory: String) -> String {
        let absolute = path.hasPrefix("/") ? path : directory + "/" + path
        return URL(fileURLWithPath: absolute).standardizedFileURL.path
    }

    /// Removes `.` segments and folds `dir/..` pairs in a relative or absolute display path.
    static func normalize(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == "..", let last = parts.last, last != ".." {
                parts.removeLast()
            } else {
                parts.append(part)
            }
        }
        let joined = parts.joined(separator: "/")
        return path.hasPrefix("/") ? "/" + joined : joined
    }
}
