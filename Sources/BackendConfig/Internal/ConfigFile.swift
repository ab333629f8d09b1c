import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A config file being transformed: its display name (used as the source of its values and in messages),
/// its filesystem path, and the chain of files that included it.
struct ConfigFile: Sendable {
    /// The name used in messages and as the values' source (relative names stay relative).
    let displayName: String
    /// The absolute, standardized filesystem path (symlinks not resolved; relative references resolve
    /// against its directory, as written).
    let path: String
    /// Display names from the top-level file down to this one.
    let chain: [String]
    /// The resolved paths (``resolvedPath``) matching `chain`, for cycle detection.
    let chainPaths: [String]

    /// The path with every symlink, `.` and `..` resolved (`realpath`), or ``path`` when it cannot be
    /// resolved (for example because the file does not exist). Two references to one file, however
    /// spelled (`a.yaml`, `l/a.yaml` through `l -> .`), have the same resolved path.
    let resolvedPath: String

    /// Why ``path`` could not be resolved (`realpath`'s `errno`), or `nil` when it was.
    let resolutionError: Int32?

    /// The source of this file's values.
    var source: ConfigSource { ConfigSource(name: displayName) }

    /// A top-level file: `name` as given, resolved against `workingDirectory` when relative.
    init(name: String, workingDirectory: String) {
        displayName = name
        path = Self.resolve(name, against: workingDirectory)
        (resolvedPath, resolutionError) = Self.realPath(path)
        chain = [name]
        chainPaths = [resolvedPath]
    }

    private init(displayName: String, path: String, chain: [String], chainPaths: [String]) {
        self.displayName = displayName
        self.path = path
        (resolvedPath, resolutionError) = Self.realPath(path)
        self.chain = chain + [displayName]
        self.chainPaths = chainPaths + [resolvedPath]
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
        return ConfigFile(displayName: display, path: resolved, chain: chain, chainPaths: chainPaths)
    }

    /// Whether this file already occurs earlier in its own include chain (compared by resolved path).
    var isInCycle: Bool {
        chainPaths.dropLast().contains(resolvedPath)
    }

    /// `path` made absolute against `directory` and standardized.
    static func resolve(_ path: String, against directory: String) -> String {
        let absolute = path.hasPrefix("/") ? path : directory + "/" + path
        return URL(fileURLWithPath: absolute).standardizedFileURL.path
    }

    /// `realpath(path)`, or `path` and the `errno` when it fails.
    static func realPath(_ path: String) -> (String, Int32?) {
        guard let resolved = realpath(path, nil) else { return (path, errno) }
        defer { free(resolved) }
        return (String(cString: resolved), nil)
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
