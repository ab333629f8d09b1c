import Foundation
import Testing

@testable import BackendConfig

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One budget per load (bytes, nodes, `$include` expansions), each file read once per load, regular
/// files only, and cycles found by resolved path: a config that includes itself or a large file many
/// times must fail fast with a message, not exhaust memory or hang on a FIFO.
@Suite("One budget per config load")
struct ConfigLoadBudgetTests {
    /// `count` entries `k<i>: {$include: <target>}` under `root:`.
    static func includes(_ count: Int, of target: String, directive: String = "$include") -> String {
        "root:\n" + (0..<count).map { "  k\($0): { \(directive): \(target) }\n" }.joined()
    }

    /// Loads `app-config.yaml` in `dir` and returns the error message (`nil` when it loads), and
    /// how long it took.
    static func loadMessage(_ dir: TemporaryDirectory) -> (message: String?, seconds: Double) {
        let start = ContinuousClock.now
        let message = configErrorMessage { _ = try dir.loader().load(paths: ["app-config.yaml"]) }
        let elapsed = ContinuousClock.now - start
        return (message, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }

    @Test("20,000 $include entries of a 40 KB file are refused by the expansion limit, quickly")
    func manyIncludes() throws {
        try withTemporaryDirectory { dir in
            // 40 KB in 200 entries: the expansion limit is reached before the node limit.
            let value = String(repeating: "v", count: 190)
            try dir.write("inc.yaml", (0..<200).map { "key\($0): \(value)\n" }.joined())
            try dir.write("app-config.yaml", Self.includes(20_000, of: "inc.yaml"))
            let (message, seconds) = Self.loadMessage(dir)
            let text = try #require(message)
            #expect(text.hasPrefix("app-config.yaml: $include at 'root.k1000': "), "\(text)")
            #expect(text.contains("more than 1000 $include expansions"), "\(text)")
            #expect(text.contains("ConfigLoader.maxIncludeExpansions"), "\(text)")
            #expect(seconds < 5, "took \(seconds) s")
        }
    }

    @Test("up to maxIncludeExpansions includes load, and a file included many times is read once")
    func includedFileIsReadOnce() throws {
        try withTemporaryDirectory { dir in
            // 40 inclusions of a 1 MiB file: 40 MiB if each were read, more than maxTotalBytes.
            let big = "text: " + String(repeating: "x", count: 1024 * 1024) + "\n"
            try dir.write("big.yaml", big)
            try dir.write("app-config.yaml", Self.includes(40, of: "big.yaml"))
            #expect(40 * big.utf8.count > ConfigLoader.maxTotalBytes)
            let loaded = try dir.loader().load(paths: ["app-config.yaml"])
            #expect(try loaded.config.getString("root.k39.text").utf8.count == 1024 * 1024)

            try dir.write("small.yaml", "a: 1\n")
            try dir.write("app-config.yaml", Self.includes(ConfigLoader.maxIncludeExpansions, of: "small.yaml"))
            let many = try dir.loader().load(paths: ["app-config.yaml"])
            #expect(try many.config.getNumber("root.k999.a") == 1)
        }
    }

    @Test("the node budget counts every copy an $include makes")
    func nodeBudget() throws {
        try withTemporaryDirectory { dir in
            // 100,001 nodes per inclusion; 25 inclusions make 2.5 million.
            try dir.write("list.yaml", "[" + Array(repeating: "0", count: 100_000).joined(separator: ",") + "]\n")
            try dir.write("app-config.yaml", Self.includes(25, of: "list.yaml"))
            let (message, seconds) = Self.loadMessage(dir)
            let text = try #require(message)
            #expect(
                text.hasPrefix(
                    "app-config.yaml: $include at 'root.k19': the config tree has more than 2000000 nodes "
                        + "with 'list.yaml' included again"), "\(text)")
            #expect(text.contains("ConfigLoader.maxTotalNodes"), "\(text)")
            #expect(seconds < 5, "took \(seconds) s")
        }
    }

    @Test("the byte budget counts every file read and every $file expansion")
    func byteBudget() throws {
        try withTemporaryDirectory { dir in
            try dir.write("secret.txt", String(repeating: "s", count: 1024 * 1024))
            try dir.write("app-config.yaml", Self.includes(40, of: "secret.txt", directive: "$file"))
            let text = try #require(Self.loadMessage(dir).message)
            #expect(text.hasPrefix("app-config.yaml: $file at 'root.k31': 'secret.txt' "), "\(text)")
            #expect(text.contains("more than the limit of 33554432 bytes"), "\(text)")
            #expect(text.contains("ConfigLoader.maxTotalBytes"), "\(text)")
            #expect(!text.contains("sss"))

            // Three top-level files of 12 MB: the third is refused before it is read.
            let filler = "filler: " + String(repeating: "y", count: 12 * 1024 * 1024) + "\n"
            for name in ["a.yaml", "b.yaml", "c.yaml"] { try dir.write(name, filler) }
            let layered = try #require(
                configErrorMessage { _ = try dir.loader().load(paths: ["a.yaml", "b.yaml", "c.yaml"]) })
            #expect(layered.hasPrefix("c.yaml: reading it would bring this load to "), "\(layered)")
            #expect(layered.contains("ConfigLoader.maxTotalBytes"), "\(layered)")
        }
    }

    @Test("only regular files are read: a device, a FIFO and a directory are refused without blocking")
    func regularFilesOnly() throws {
        try withTemporaryDirectory { dir in
            try dir.write("app-config.yaml", "secret:\n  $file: /dev/zero\n")
            let zero = try #require(Self.loadMessage(dir).message)
            #expect(
                zero == "app-config.yaml: $file at 'secret': '/dev/zero' is a character device, not a regular file; "
                    + "refused without opening it")

            #expect(mkfifo(dir.path + "/pipe.yaml", 0o600) == 0)
            try dir.write("app-config.yaml", "secret:\n  $file: pipe.yaml\n")
            let (fifo, seconds) = Self.loadMessage(dir)
            #expect(fifo?.contains("$file at 'secret': 'pipe.yaml' is a FIFO (named pipe)") == true, "\(fifo ?? "")")
            try dir.write("app-config.yaml", "part:\n  $include: pipe.yaml\n")
            let included = try #require(Self.loadMessage(dir).message)
            #expect(included.contains("$include at 'part': 'pipe.yaml' is a FIFO"), "\(included)")
            let topLevel = try #require(configErrorMessage { _ = try dir.loader().load(paths: ["pipe.yaml"]) })
            #expect(topLevel.hasPrefix("pipe.yaml: is a FIFO"), "\(topLevel)")
            #expect(seconds < 5)

            try dir.write("sub.yaml/x.yaml", "a: 1\n")
            try dir.write("app-config.yaml", "part:\n  $include: sub.yaml\n")
            let directory = try #require(Self.loadMessage(dir).message)
            #expect(directory == "app-config.yaml: $include at 'part': 'sub.yaml' is a directory, not a file")
        }
    }

    @Test("a cycle through a symlink (l -> .) is found by resolved path and named with its chain")
    func symlinkCycle() throws {
        try withTemporaryDirectory { dir in
            try FileManager.default.createSymbolicLink(atPath: dir.path + "/l", withDestinationPath: ".")
            try dir.write("a.yaml", "next:\n  $include: l/a.yaml\n")
            try dir.write("app-config.yaml", "root:\n  $include: a.yaml\n")
            let (message, seconds) = Self.loadMessage(dir)
            #expect(
                message == "a.yaml: $include at 'root.next': include cycle app-config.yaml -> a.yaml -> l/a.yaml")
            #expect(seconds < 5)

            // A long chain of hops through the loop is refused by realpath (too many symlinks).
            try dir.write("x.yaml", "a: 1\n")
            let hops = Array(repeating: "l", count: 60).joined(separator: "/")
            try dir.write("app-config.yaml", "root:\n  $include: \(hops)/x.yaml\n")
            let loop = try #require(Self.loadMessage(dir).message)
            #expect(
                loop.hasPrefix("app-config.yaml: $include at 'root': '\(hops)/x.yaml' cannot be resolved"), "\(loop)")
            #expect(loop.contains("too many levels of symbolic links"), "\(loop)")

            // Another name for the same file (a symlink to it) is the same file.
            try FileManager.default.createSymbolicLink(atPath: dir.path + "/b.yaml", withDestinationPath: "c.yaml")
            try dir.write("c.yaml", "again:\n  $include: b.yaml\n")
            try dir.write("app-config.yaml", "root:\n  $include: c.yaml\n")
            let alias = try #require(Self.loadMessage(dir).message)
            #expect(alias == "c.yaml: $include at 'root.again': include cycle app-config.yaml -> c.yaml -> b.yaml")
        }
    }

    @Test("40 KB of 2,000 entries included 20,000 times is refused by the node limit, quickly")
    func manyIncludesOfManyNodes() throws {
        try withTemporaryDirectory { dir in
            try dir.write("inc.yaml", (0..<2_000).map { "key\($0): value-\($0)\n" }.joined())
            try dir.write("app-config.yaml", Self.includes(20_000, of: "inc.yaml"))
            let (message, seconds) = Self.loadMessage(dir)
            let text = try #require(message)
            #expect(text.contains("more than 2000000 nodes"), "\(text)")
            #expect(text.contains("ConfigLoader.maxTotalNodes"), "\(text)")
            #expect(seconds < 5, "took \(seconds) s")
        }
    }

    @Test("a reused $include is checked as its own expansion would be: cycles, depth")
    func reuseKeepsTheChecks() throws {
        try withTemporaryDirectory { dir in
            // x.yaml includes y.yaml#leaf only; the first, harmless expansion of y.yaml#leaf is reused
            // below x.yaml, where including it again would have been a cycle.
            try dir.write("y.yaml", "leaf:\n  back:\n    $include: x.yaml#plain\nother: 1\n")
            try dir.write("x.yaml", "plain: 1\nnested:\n  $include: y.yaml#leaf\n")
            try dir.write("app-config.yaml", "first:\n  $include: y.yaml#leaf\nsecond:\n  $include: x.yaml\n")
            let cycle = try #require(Self.loadMessage(dir).message)
            #expect(cycle.contains("include cycle app-config.yaml -> x.yaml -> y.yaml -> … -> x.yaml"), "\(cycle)")

            // A subtree 500 levels deep fits at the top, and is refused when reused 20 levels down.
            let deep = String(repeating: "[", count: 500) + String(repeating: "]", count: 500)
            try dir.write("deep.yaml", "d: \(deep)\n")
            let nested = (0..<20).map { String(repeating: "  ", count: $0) + "n\($0):\n" }.joined()
            try dir.write(
                "app-config.yaml",
                "top:\n  $include: deep.yaml\n" + nested + String(repeating: "  ", count: 20)
                    + "$include: deep.yaml\n")
            let depth = try #require(Self.loadMessage(dir).message)
            #expect(depth.contains("nesting depth limit exceeded (more than 512 levels)"), "\(depth)")
        }
    }

    @Test("a file that is both a top-level file and included is parsed once and loads")
    func sharedFile() throws {
        try withTemporaryDirectory { dir in
            try dir.write("shared.yaml", "value: 1\n")
            try dir.write("app-config.yaml", "copy:\n  $include: shared.yaml\n")
            let loaded = try dir.loader().load(paths: ["shared.yaml", "app-config.yaml"])
            #expect(loaded.value == ["value": 1, "copy": ["value": 1]])
        }
    }
}
