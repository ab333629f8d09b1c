import BackendJSON
import Foundation
import Testing

@testable import BackendConfig

@Suite struct ConfigLoaderTests {
    @Test("two files deep-merge; the later file wins; sources are remembered")
    func deepMerge() throws {
        try withTemporaryDirectory { dir in
            try dir.write(
                "base.yaml",
                """
                backend:
                  baseUrl: http://localhost:7007
                  listen:
                    port: 7007
                    host: 127.0.0.1
                app:
                  title: Base
                """)
            try dir.write(
                "override.yaml",
                """
                backend:
                  listen:
                    port: 8080
                app:
                  extra: true
                """)
            let loaded = try dir.loader().load(paths: ["base.yaml", "override.yaml"])
            #expect(loaded.files == ["base.yaml", "override.yaml"])
            let expected: JSONValue = [
                "backend": [
                    "baseUrl": "http://localhost:7007",
                    "listen": ["port": 8080, "host": "127.0.0.1"],
                ],
                "app": ["title": "Base", "extra": true],
            ]
            #expect(loaded.value == expected)
            #expect(try loaded.config.getNumber("backend.listen.port") == 8080)
            #expect(loaded.config.source(of: "backend.listen.port")?.name == "override.yaml")
            #expect(loaded.config.source(of: "backend.listen.host")?.name == "base.yaml")
        }
    }

    @Test("arrays are replaced, not concatenated")
    func arrayReplaced() throws {
        try withTemporaryDirectory { dir in
            try dir.write("a.yaml", "list: [1, 2, 3]\n")
            try dir.write("b.yaml", "list: [4]\n")
            let loaded = try dir.loader().load(paths: ["a.yaml", "b.yaml"])
            #expect(loaded.value == ["list": [4]])
        }
    }

    @Test("an explicit null blocks a lower layer")
    func nullBlocks() throws {
        try withTemporaryDirectory { dir in
            try dir.write("a.yaml", "backend:\n  baseUrl: http://x\n  keep: 1\n")
            try dir.write("b.yaml", "backend:\n  baseUrl: null\n")
            let loaded = try dir.loader().load(paths: ["a.yaml", "b.yaml"])
            #expect(loaded.value == ["backend": ["keep": 1]])
            #expect(!loaded.config.has("backend.baseUrl"))
            #expect(
                configErrorMessage { _ = try loaded.config.getString("backend.baseUrl") }
                    == "Missing required config value at 'backend.baseUrl'")
        }
    }

    @Test("default files: app-config.yaml plus app-config.local.yaml; missing app-config.yaml is an error")
    func defaultFiles() throws {
        try withTemporaryDirectory { dir in
            #expect(
                configErrorMessage { _ = try dir.loader().load(paths: []) }
                    == "app-config.yaml: config file not found in \(dir.path) (use --config FILE to choose files)")
            try dir.write("app-config.yaml", "a: 1\nb: 2\n")
            #expect(try dir.loader().load(paths: []).files == ["app-config.yaml"])
            try dir.write("app-config.local.yaml", "b: 3\n")
            let loaded = try dir.loader().load(paths: [])
            #expect(loaded.files == ["app-config.yaml", "app-config.local.yaml"])
            #expect(loaded.value == ["a": 1, "b": 3])
        }
    }

    @Test("a missing variable makes the key absent and the required read names it")
    func missingVariable() throws {
        try withTemporaryDirectory { dir in
            try dir.write(
                "app.yaml",
                """
                backend:
                  auth:
                    keys:
                      - secret: ${BACKEND_SECRET}
                  other: prefix-${ALSO_MISSING}-suffix
                  viaEnv:
                    $env: NOT_SET
                """)
            let loaded = try dir.loader().load(paths: ["app.yaml"])
            #expect(loaded.value == ["backend": ["auth": ["keys": [[:]]]]])
            let keys = try loaded.config.getConfigArray("backend.auth.keys")
            #expect(
                configErrorMessage { _ = try keys[0].getString("secret") }
                    == "Missing required config value at 'backend.auth.keys[0].secret' "
                    + "(environment variable BACKEND_SECRET is not set)")
            #expect(
                configErrorMessage { _ = try loaded.config.getString("backend.other") }
                    == "Missing required config value at 'backend.other' (environment variable ALSO_MISSING is not set)"
            )
            #expect(
                configErrorMessage { _ = try loaded.config.getString("backend.viaEnv") }
                    == "Missing required config value at 'backend.viaEnv' (environment variable NOT_SET is not set)")
            #expect(try loaded.config.getOptionalString("backend.other") == nil)
        }
    }

    @Test("a missing variable in a higher layer lets the lower layer show through")
    func missingVariableFallsBack() throws {
        try withTemporaryDirectory { dir in
            try dir.write("a.yaml", "secret: from-base\n")
            try dir.write("b.yaml", "secret: ${MISSING}\n")
            #expect(try dir.loader().load(paths: ["a.yaml", "b.yaml"]).value == ["secret": "from-base"])
        }
    }

    @Test("substitution: ${VAR}, trimmed names, ${VAR:-default}, $${ escapes")
    func substitution() throws {
        try withTemporaryDirectory { dir in
            try dir.write(
                "app.yaml",
                """
                a: ${ HOST }
                b: http://${HOST}:${PORT:-7007}/x
                c: ${UNSET:-fallback value}
                d: $${X}
                e: cost $$5 and $${ESCAPED} and ${EMPTY:-used}
                f: "${EMPTY}"
                g: ${PORT}
                h: ["${HOST}", "${MISSING}", last]
                """)
            let loaded = try dir.loader(["HOST": "example.com", "PORT": "8080", "EMPTY": ""]).load(paths: ["app.yaml"])
            let expected: JSONValue = [
                "a": "example.com",
                "b": "http://example.com:8080/x",
                "c": "fallback value",
                "d": "${X}",
                "e": "cost $$5 and ${ESCAPED} and used",
                "f": "",
                "g": "8080",
                "h": ["example.com", "last"],
            ]
            #expect(loaded.value == expected)
            #expect(try loaded.config.getNumber("g") == 8080)
        }
    }

    @Test("$file reads relative to the including file, trailing whitespace trimmed")
    func fileDirective() throws {
        try withTemporaryDirectory { dir in
            try dir.write("conf/secrets/key.txt", "  s3cr3t value \n\n")
            try dir.write("conf/app.yaml", "backend:\n  secret:\n    $file: secrets/key.txt\n")
            let loaded = try dir.loader().load(paths: ["conf/app.yaml"])
            #expect(try loaded.config.getString("backend.secret") == "  s3cr3t value")
            #expect(loaded.config.source(of: "backend.secret")?.name == "conf/app.yaml")

            try dir.write("conf/missing.yaml", "x:\n  $file: nope.txt\n")
            #expect(
                configErrorMessage { _ = try dir.loader().load(paths: ["conf/missing.yaml"]) }
                    == "conf/missing.yaml: $file at 'x': 'conf/nope.txt' no such file")
            try dir.write("conf/dir.yaml", "x:\n  $file: secrets\n")
            #expect(
                configErrorMessage { _ = try dir.loader().load(paths: ["conf/dir.yaml"]) }
                    == "conf/dir.yaml: $file at 'x': 'conf/secrets' is a directory, not a file")
        }
    }

    @Test("$include of YAML and JSON with a #a.b sub-path")
    func includeDirective() throws {
        try withTemporaryDirectory { dir in
            try dir.write(
                "conf/parts/db.yaml",
                """
                database:
                  connection:
                    host: db.local
                    password: ${DB_PASSWORD}
                """)
            try dir.write("conf/parts/extra.json", #"{"a": {"b": {"list": [1, "two", null], "flag": true}}}"#)
            try dir.write(
                "conf/app.yaml",
                """
                db:
                  $include: parts/db.yaml#database.connection
                extra:
                  $include: parts/extra.json#a.b
                whole:
                  $include: parts/extra.json
                """)
            let loaded = try dir.loader(["DB_PASSWORD": "pw"]).load(paths: ["conf/app.yaml"])
            let expected: JSONValue = [
                "db": ["host": "db.local", "password": "pw"],
                "extra": ["list": [1, "two", nil], "flag": true],
                "whole": ["a": ["b": ["list": [1, "two", nil], "flag": true]]],
            ]
            #expect(loaded.value == expected)
            #expect(loaded.config.source(of: "db.host")?.name == "conf/parts/db.yaml")
            #expect(loaded.config.source(of: "extra.flag")?.name == "conf/parts/extra.json")

            try dir.write("conf/bad.yaml", "x:\n  $include: parts/extra.json#a.nope\n")
            #expect(
                configErrorMessage { _ = try dir.loader().load(paths: ["conf/bad.yaml"]) }
                    == "conf/bad.yaml: $include at 'x': no value at 'a.nope' in 'conf/parts/extra.json'")
        }
    }

    @Test("an include cycle is refused with the chain named")
    func includeCycle() throws {
        try withTemporaryDirectory { dir in
            try dir.write("a.yaml", "x:\n  $include: sub/b.yaml\n")
            try dir.write("sub/b.yaml", "y:\n  $include: ../a.yaml\n")
            #expect(
                configErrorMessage { _ = try dir.loader().load(paths: ["a.yaml"]) }
                    == "sub/b.yaml: $include at 'x.y': include cycle a.yaml -> sub/b.yaml -> a.yaml")
        }
    }

    @Test("a directive beside other keys is an error")
    func directiveWithSiblings() throws {
        try withTemporaryDirectory { dir in
            try dir.write("a.yaml", "x:\n  $env: A\n  other: 1\n")
            #expect(
                configErrorMessage { _ = try dir.loader().load(paths: ["a.yaml"]) }
                    == "a.yaml: $env at 'x' must be the only key in its object")
        }
    }

    @Test("APP_CONFIG_ overrides: JSON value else string, source env, null refused")
    func environmentOverrides() throws {
        try withTemporaryDirectory { dir in
            try dir.write("app.yaml", "backend:\n  listen:\n    port: 7007\n    host: 0.0.0.0\n")
            let environment = [
                "APP_CONFIG_backend_listen_port": "7008",
                "APP_CONFIG_backend_baseUrl": "http://example.com",
                "APP_CONFIG_app_flags": #"{"x": [true, "y"]}"#,
            ]
            let loaded = try dir.loader(environment).load(paths: ["app.yaml"])
            #expect(loaded.config.getOptional("backend.listen.port") == .number(7008))
            #expect(try loaded.config.getOptionalInt("backend.listen.port") == 7008)
            #expect(
                loaded.config.source(of: "backend.listen.port")
                    == .environment(variable: "APP_CONFIG_backend_listen_port"))
            #expect(loaded.config.source(of: "backend.listen.host")?.name == "app.yaml")
            #expect(try loaded.config.getString("backend.baseUrl") == "http://example.com")
            #expect(loaded.config.getOptional("app.flags") == ["x": [true, "y"]])

            #expect(
                configErrorMessage {
                    _ = try dir.loader(["APP_CONFIG_backend_baseUrl": "null"]).load(paths: ["app.yaml"])
                }
                    == "Environment variable APP_CONFIG_backend_baseUrl is null; "
                    + "config values may not be null (unset the variable instead)")
        }
    }

    @Test("a 1 MB config loads")
    func largeConfig() throws {
        try withTemporaryDirectory { dir in
            var yaml = "items:\n"
            var index = 0
            while yaml.utf8.count < 1_048_576 {
                yaml += "  item\(index):\n    name: \"Item number \(index)\"\n    value: \(index)\n    tags: [a, b]\n"
                index += 1
            }
            try dir.write("big.yaml", yaml)
            let start = ContinuousClock.now
            let loaded = try dir.loader().load(paths: ["big.yaml"])
            #expect(ContinuousClock.now - start < .seconds(10))
            #expect(try loaded.config.getConfig("items").keys().count == index)
            #expect(try loaded.config.getNumber("items.item\(index - 1).value") == Double(index - 1))
        }
    }

    @Test("a file over the size limit is refused")
    func tooLarge() throws {
        try withTemporaryDirectory { dir in
            let path = try dir.write("huge.yaml", "")
            let handle = try #require(FileHandle(forWritingAtPath: path))
            try handle.truncate(atOffset: UInt64(ConfigLoader.maxFileSize + 1))
            try handle.close()
            #expect(
                configErrorMessage { _ = try dir.loader().load(paths: ["huge.yaml"]) }
                    == "huge.yaml: config file is too large (16777217 bytes, limit 16777216)")
        }
    }

    @Test("root must be an object; an empty file is an empty object; parse errors name the file")
    func rootShapes() throws {
        try withTemporaryDirectory { dir in
            try dir.write("list.yaml", "- 1\n- 2\n")
            try dir.write("empty.yaml", "")
            try dir.write("comments.yaml", "# nothing\n")
            try dir.write("bad.yaml", "a: [1\n")
            #expect(
                configErrorMessage { _ = try dir.loader().load(paths: ["list.yaml"]) }
                    == "list.yaml: expected object at config root")
            #expect(try dir.loader().load(paths: ["empty.yaml", "comments.yaml"]).value == [:])
            #expect(
                configErrorMessage { _ = try dir.loader().load(paths: ["bad.yaml"]) }
                    == "bad.yaml:2:1: did not find expected ',' or ']'")
            #expect(
                configErrorMessage { _ = try dir.loader().load(paths: ["nope.yaml"]) }
                    == "nope.yaml: no such file")
        }
    }
}
