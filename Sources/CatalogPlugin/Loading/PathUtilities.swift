import Foundation

/// Small path helpers for catalog locations (POSIX paths).
enum PathUtilities {
    /// The directory part of `path` (`.` when it has none).
    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        if slash == path.startIndex { return "/" }
        return String(path[..<slash])
    }

    /// `path` if absolute, else `base/path`, with `.` and `..` segments removed.
    static func resolve(_ path: String, against base: String) -> String {
        let joined = path.hasPrefix("/") ? path : base + "/" + path
        var parts: [Substring] = []
        for part in joined.split(separator: "/") {
            switch part {
            case ".":
                continue
            case "..":
                if !parts.isEmpty { parts.removeLast() }
            default:
                parts.append(part)
            }
        }
        return "/" + parts.joined(separator: "/")
    }

    /// Whether `name` matches `pattern` with `*` (any run) and `?` (one character).
    static func matches(_ name: String, pattern: String) -> Bool {
        let text = Array(name)
        let glob = Array(pattern)
        var t = 0
        var g = 0
        var star: Int?
        var mark = 0
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
        while g < glob.count, glob[g] == "*" {
            g += 1
        }
        return g == glob.count
    }

    /// The files `target` names: itself, or the matches of a `*`/`?` pattern in its last
    /// component, sorted.
    static func expand(_ target: String) throws -> [String] {
        let name = target.split(separator: "/").last.map(String.init) ?? target
        guard name.contains("*") || name.contains("?") else { return [target] }
        let directory = directory(of: target)
        return try FileManager.default.contentsOfDirectory(atPath: directory)
            .filter { matches($0, pattern: name) }
            .sorted()
            .map { directory + "/" + $0 }
    }
}
