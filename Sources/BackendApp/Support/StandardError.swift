import Foundation

/// Writes human-facing diagnostics to standard error, so standard output stays parseable.
enum StandardError {
    /// Writes `line` followed by a newline to standard error.
    static func write(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
