import BackendKit
import Foundation

/// A task's own directory, shared by its steps (``ActionContext/workspace``) and removed when the task ends.
///
/// A dry run fills it from the request's `directoryContents` and answers with what it holds at the end. Paths in and
/// out are relative to it: a path that is absolute or climbs out (`..`) is refused, and reading back skips symbolic
/// links, so neither a request nor an action can make the scaffolder read or write outside the workspace this way.
struct TaskWorkspace: Sendable {
    /// The directory.
    let url: URL

    /// A file of the workspace, as `directoryContents` carries it.
    struct File: Sendable, Equatable {
        /// The path relative to the workspace, with `/` separators.
        var path: String
        /// The content.
        var content: Data
        /// Whether the file is executable.
        var executable = false

        /// `{path, base64Content, executable}`.
        var json: JSONValue {
            [
                "path": .string(path), "base64Content": .string(content.base64EncodedString()),
                "executable": .bool(executable),
            ]
        }
    }

    /// Creates an empty workspace for task `taskId` in the temporary directory.
    static func create(taskId: String) throws -> TaskWorkspace {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("scaffolder-\(taskId)-\(UUID.randomLowercased())", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return TaskWorkspace(url: url)
    }

    /// Removes the workspace and everything in it (a failure is only logged: the temporary directory is the
    /// system's to clean).
    func remove(logger: Logger) {
        do {
            try FileManager.default.removeItem(at: url)
        } catch {
            logger.warning("Could not remove the task workspace \(url.path): \(error)")
        }
    }

    /// Writes `files` into the workspace, creating their directories.
    func write(_ files: [File]) throws {
        for file in files {
            let target = url.appendingPathComponent(file.path)
            try FileManager.default.createDirectory(
                at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            try file.content.write(to: target)
            if file.executable {
                try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: target.path)
            }
        }
    }

    /// Every regular file in the workspace, sorted by path; symbolic links are skipped.
    ///
    /// - Throws: `InputError` when the files add up to more than `maxBytes`.
    func files(maxBytes: Int) throws -> [File] {
        let keys: [URLResourceKey] = [.isRegularFileKey, .isSymbolicLinkKey]
        guard
            let enumerator = FileManager.default.enumerator(
                at: url, includingPropertiesForKeys: keys, options: [])
        else { return [] }
        let root = url.resolvingSymlinksInPath().path + "/"
        var files: [File] = []
        var total = 0
        while let item = enumerator.nextObject() as? URL {
            let values = try item.resourceValues(forKeys: Set(keys))
            guard values.isRegularFile == true, values.isSymbolicLink != true else { continue }
            let path = item.resolvingSymlinksInPath().path
            guard path.hasPrefix(root) else { continue }
            let content = try Data(contentsOf: item)
            total += content.count
            guard total <= maxBytes else {
                throw InputError("The workspace holds more than \(maxBytes) bytes, more than a dry run answers")
            }
            let executable = FileManager.default.isExecutableFile(atPath: item.path)
            files.append(File(path: String(path.dropFirst(root.count)), content: content, executable: executable))
        }
        return files.sorted { $0.path < $1.path }
    }

    /// Checks that `path` names a file inside a workspace: relative, not empty, no `.`, `..` or empty segment, no NUL.
    ///
    /// - Throws: `InputError` naming `field`.
    static func validate(_ path: String, field: String) throws(InputError) {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        guard !path.isEmpty, !path.hasPrefix("/"), !path.contains("\0"), path.utf8.count <= 1024,
            segments.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." })
        else {
            throw InputError(
                "\(field) '\(path)' must be a relative path inside the workspace, without '.', '..' or empty segments")
        }
    }
}
