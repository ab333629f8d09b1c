// libFuzzer target: config loading (BackendConfig): YAML parsing through libyaml events, `${VAR}`
// substitution, `$env`/`$file`/`$include` directives, layering over a base file, `APP_CONFIG_`
// overrides, the typed reader, printing and redaction.
//
// The input is written to `fuzz.yaml` in a scratch directory that also holds files the input may point
// at (`inc.yaml`, `data.json`, `secret.txt`, `loop.yaml`, a directory `dir`), and is loaded on top of
// `base.yaml`. Leading lines of the form `#!NAME=VALUE` (YAML comments) add environment variables, so
// the fuzzer can reach the override code too.
//
// Besides crashes, sanitizer reports and hangs, it traps when an error message contains the content of
// `secret.txt` or an environment value the input did not itself contain, and when the YAML that
// `config print` would write cannot be parsed back to the same value.
import BackendConfig
import Foundation
import FuzzHarness

/// Environment every run starts from.
let baseEnvironment = [
    "HOME": "/root", "PORT": "7008", "EMPTY": "", "SECRET": "env-secret-value-4d1c2b",
]
/// The content of `secret.txt`, which must never appear in an error.
let fileSecret = "file-secret-value-93ae7f"

let scratch: String = {
    let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
    let path = "\(base)/backend-fuzz-config-\(getpid())"
    let files = [
        "base.yaml": "backend:\n  baseUrl: http://localhost:7007\n  listen: { port: 7007 }\nlist: [a, b]\n",
        "inc.yaml": "a:\n  b: 1\n  c: [x, y]\nplain: text\n",
        "data.json": "{\"x\": {\"y\": \"z\"}, \"n\": [1, 2.5, true, null]}",
        "secret.txt": "\(fileSecret)\n\n",
        "loop.yaml": "again:\n  $include: loop.yaml\n",
        "ping.yaml": "to:\n  $include: pong.yaml\n",
        "pong.yaml": "to:\n  $include: ping.yaml#to\n",
    ]
    try! FileManager.default.createDirectory(atPath: "\(path)/dir", withIntermediateDirectories: true)
    for (name, contents) in files {
        try! contents.write(toFile: "\(path)/\(name)", atomically: false, encoding: .utf8)
    }
    return path
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfigLoad(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = size > 0 && data != nil ? Array(UnsafeBufferPointer(start: data, count: size)) : []
    let input = String(decoding: bytes, as: UTF8.self)
    var environment = baseEnvironment
    for line in input.split(separator: "\n", omittingEmptySubsequences: false) {
        guard line.hasPrefix("#!"), let equals = line.firstIndex(of: "=") else { break }
        environment[String(line[line.index(line.startIndex, offsetBy: 2)..<equals])] = String(
            line[line.index(after: equals)...])
    }
    let path = "\(scratch)/fuzz.yaml"
    guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
        fatalError("cannot write \(path)")
    }

    let loader = ConfigLoader(environment: environment, workingDirectory: scratch)
    do {
        let loaded = try loader.load(paths: ["base.yaml", "fuzz.yaml"])
        exercise(loaded.config, depth: 0)
        checkPrinting(loaded.value)
        checkPrinting(loaded.value.redactingSecrets())
    } catch {
        let message = String(describing: error)
        if message.includes(fileSecret) {
            fatalError("error message contains the content of secret.txt: \(message)")
        }
        for (name, value) in environment where value.count >= 8 && message.includes(value) && !input.includes(value) {
            fatalError("error message contains the value of \(name): \(message)")
        }
    }
    // The in-memory parser (no directives) on the same text.
    _ = try? ConfigLoader.parse(yaml: input, source: "fuzz")
    return 0
}

/// Reads every key with every typed getter, as `config check` and the host do.
func exercise(_ config: Config, depth: Int) {
    guard depth < 64 else { return }
    for key in config.keys() {
        _ = config.has(key)
        _ = config.source(of: key)
        _ = config.getOptional(key)
        _ = try? config.getOptionalString(key)
        _ = try? config.getOptionalNumber(key)
        _ = try? config.getOptionalInt(key)
        _ = try? config.getOptionalBoolean(key)
        _ = try? config.getOptionalStringArray(key)
        if let child = try? config.getOptionalConfig(key) { exercise(child, depth: depth + 1) }
        for element in (try? config.getOptionalConfigArray(key)) ?? [] { exercise(element, depth: depth + 1) }
        // Dotted lookups through the key (with dots or brackets the key cannot be looked up directly).
        _ = config.getOptional("\(key).a")
        _ = try? config.getOptionalString("\(key)[0]")
    }
}

/// `config print` output (YAML and JSON) must be produced without crashing, and the YAML must load back.
func checkPrinting(_ value: JSONValue) {
    _ = value.jsonText(options: [.prettyPrinted, .escapingInvisibles])
    let yaml = value.yamlString()
    let reparsed: JSONValue
    do {
        reparsed = try ConfigLoader.parse(yaml: yaml, source: "printed")
    } catch {
        fatalError("printed YAML does not parse (\(error)):\n\(yaml)")
    }
    if reparsed != value {
        fatalError("printed YAML parses to a different value:\n\(yaml)")
    }
}

/// The executable's entry point (SwiftPM aliases `main` to it): runs libFuzzer's driver.
@_cdecl("FuzzConfigLoad_main")
func fuzzConfigLoadMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzerDriver(argc, argv) { data, size in fuzzConfigLoad(data, size) }
}
