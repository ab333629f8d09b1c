import BackendKit
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The directories that `file` locations registered through the API may read: `catalog.fileLocationRoots`.
///
/// A caller of `POST /locations` names a path on the server's disk, so without a confinement any caller could
/// read any file the process can (a Kubernetes `Secret` manifest, `/etc/shadow`'s parse error). A target is read
/// only when it lies inside a root twice over: as written, after `.` and `..` are removed, and again after every
/// symlink on its way is resolved. The first check uses no disk access, so a target outside the roots gets the same
/// answer whether or not the file exists.
///
/// ```yaml
/// catalog:
///   fileLocationRoots:
///     - Examples/catalog      # relative to the directory of this config file
/// ```
struct FileLocationRoots: Sendable, Equatable {
    /// `catalog.fileLocationRoots`.
    static let configKey = "catalog.fileLocationRoots"

    /// Each root as configured, made absolute and with `.` and `..` removed.
    let directories: [String]
    /// Each root with its symlinks resolved (the same as ``directories`` where none is a symlink).
    let canonicalDirectories: [String]

    /// Roots from absolute directories (symlinks resolved here, once).
    init(directories: [String]) {
        self.directories = directories.map { PathUtilities.resolve($0, against: "/") }
        canonicalDirectories = self.directories.map(Self.canonical)
    }

    /// Reads `catalog.fileLocationRoots`: nil when the key is not set. A relative root is resolved against the
    /// directory of the config file that names it, or `workingDirectory` when it came from the environment or code.
    static func read(from config: Config, workingDirectory: String) throws -> FileLocationRoots? {
        guard let roots = try config.getOptionalStringArray(configKey) else { return nil }
        let base = PathUtilities.baseDirectory(for: config.source(of: configKey), workingDirectory: workingDirectory)
        return FileLocationRoots(directories: roots.map { PathUtilities.resolve($0, against: base) })
    }

    /// Whether the absolute, `..`-free `path` lies inside a root, both as written and with its symlinks resolved.
    func contains(_ path: String) -> Bool {
        guard Self.isInside(path, anyOf: directories) || Self.isInside(path, anyOf: canonicalDirectories) else {
            return false
        }
        return Self.isInside(Self.canonical(path), anyOf: canonicalDirectories)
    }

    /// `Location target '<target>' is outside catalog.fileLocationRoots`.
    static func outsideError(_ target: String) -> CatalogLoadError {
        CatalogLoadError("Location target '\(target)' is outside \(configKey)")
    }

    private static func isInside(_ path: String, anyOf roots: [String]) -> Bool {
        roots.contains { root in
            root == "/" || path == root || path.hasPrefix(root + "/")
        }
    }

    /// `path` with the symlinks of its longest existing prefix resolved (`realpath(3)`), and the rest, which does
    /// not exist and so holds no symlink, appended as written.
    static func canonical(_ path: String) -> String {
        var head = path
        var rest: [String] = []
        while true {
            if let resolved = realpath(head, nil) {
                defer { free(resolved) }
                let base = String(cString: resolved)
                return rest.isEmpty
                    ? base : PathUtilities.resolve(rest.reversed().joined(separator: "/"), against: base)
            }
            guard head != "/", !head.isEmpty else { return path }
            if let last = head.split(separator: "/").last { rest.append(String(last)) }
            head = PathUtilities.directory(of: head)
        }
    }
}
