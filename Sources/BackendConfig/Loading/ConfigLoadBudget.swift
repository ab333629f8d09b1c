/// What one `ConfigLoader.load(paths:)` has spent of its budget, and the files it has already read.
///
/// One instance lives for exactly one load, so every limit is per load, not per file: the bytes read
/// from all files (``ConfigLoader/maxTotalBytes``), the nodes of the loaded tree after `$include`
/// expansion (``ConfigLoader/maxTotalNodes``) and the `$include` directives expanded
/// (``ConfigLoader/maxIncludeExpansions``). Each file is read and parsed at most once per load:
/// later references reuse the result, keyed by the file's resolved (`realpath`) path. An `$include`
/// is also expanded (transformed) once per target and fragment; a later occurrence reuses the
/// expanded tree, which shares storage, but is charged everything the first expansion cost, so the
/// budget counts the tree the config describes, not the memory it happens to take.
final class ConfigLoadBudget {
    /// An expanded `$include` and what expanding it cost, for reuse by later occurrences.
    struct ExpandedInclude {
        /// The expanded tree.
        let node: ConfigNode
        /// Nodes the expansion charged.
        let nodes: Int
        /// Nested `$include` expansions it charged (not counting itself).
        let includeExpansions: Int
        /// Bytes of `$file` text it copied into the tree.
        let fileTextBytes: Int
        /// How many levels the tree reaches below the include point (a scalar is 0).
        let height: Int
        /// Resolved paths of every file included within it, at any depth (for cycle checks on reuse).
        let includedFiles: Set<String>
    }

    /// Bytes read from files so far, plus the text of `$file` targets expanded again from the cache.
    private(set) var bytes = 0
    /// Nodes of the loaded tree built so far.
    private(set) var nodes = 0
    /// `$include` directives expanded so far.
    private(set) var includeExpansions = 0

    /// Bytes of `$file` text copied into the tree so far (first expansions and reuses).
    private(set) var fileTextBytes = 0
    /// Resolved paths of every `$include` target expanded so far, in order (with repeats).
    private(set) var includedFiles: [String] = []

    /// Expanded includes, by resolved path and `#fragment`.
    private var expandedIncludes: [String: ExpandedInclude] = [:]
    /// Parsed YAML/JSON files, by resolved path.
    private var parsedFiles: [String: ConfigNode] = [:]
    /// Trimmed text of `$file` targets, by resolved path.
    private var fileTexts: [String: String] = [:]

    /// Creates an empty budget for one load.
    init() {}

    /// The bytes still available under ``ConfigLoader/maxTotalBytes``.
    var remainingBytes: Int { max(0, ConfigLoader.maxTotalBytes - bytes) }

    /// Charges `count` bytes; `failure` describes the refusal (it gets the total that was reached).
    func spendBytes(_ count: Int, failure: (Int) -> ConfigError) throws {
        guard bytes + count <= ConfigLoader.maxTotalBytes else { throw failure(bytes + count) }
        bytes += count
    }

    /// Charges `count` bytes of `$file` text copied into the tree (also charged as bytes).
    func spendFileText(_ count: Int, failure: (Int) -> ConfigError) throws {
        try spendBytes(count, failure: failure)
        fileTextBytes += count
    }

    /// Notes `count` bytes of `$file` text copied into the tree that the read of its file already paid for.
    func noteFileText(_ count: Int) {
        fileTextBytes += count
    }

    /// Charges `count` nodes of the loaded tree; `failure` describes the refusal.
    func spendNodes(_ count: Int = 1, failure: () -> ConfigError) throws {
        guard nodes + count <= ConfigLoader.maxTotalNodes else { throw failure() }
        nodes += count
    }

    /// Charges `count` `$include` expansions; `failure` describes the refusal.
    func spendIncludeExpansions(_ count: Int = 1, failure: () -> ConfigError) throws {
        guard includeExpansions + count <= ConfigLoader.maxIncludeExpansions else { throw failure() }
        includeExpansions += count
    }

    /// Records that the files at `paths` (resolved) were included.
    func recordIncluded<Paths: Sequence<String>>(_ paths: Paths) {
        includedFiles.append(contentsOf: paths)
    }

    /// The expansion of `$include` target `key` (resolved path and fragment), if it was expanded.
    func expandedInclude(_ key: String) -> ExpandedInclude? { expandedIncludes[key] }

    /// Remembers the expansion of `$include` target `key`.
    func rememberExpandedInclude(_ expansion: ExpandedInclude, for key: String) { expandedIncludes[key] = expansion }

    /// Drops the cached parsed files, `$file` texts and expanded includes (the counters stay), so
    /// their memory is freed once every file of the load has been transformed.
    func releaseCachedTrees() {
        parsedFiles = [:]
        fileTexts = [:]
        expandedIncludes = [:]
    }

    /// The parsed tree of the file at resolved path `path`, if it was parsed in this load.
    func parsedFile(at path: String) -> ConfigNode? { parsedFiles[path] }

    /// Remembers the parsed tree of the file at resolved path `path`.
    func rememberParsedFile(_ node: ConfigNode, at path: String) { parsedFiles[path] = node }

    /// The trimmed text of the `$file` target at resolved path `path`, if it was read in this load.
    func fileText(at path: String) -> String? { fileTexts[path] }

    /// Remembers the trimmed text of the `$file` target at resolved path `path`.
    func rememberFileText(_ text: String, at path: String) { fileTexts[path] = text }
}
