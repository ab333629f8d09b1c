import Foundation
import Testing

@testable import BackendConfig

@Suite struct YAMLParserTests {
    @Test(
        "plain scalars follow the YAML 1.2 core schema",
        arguments: [
            ("true", JSONValue.bool(true)), ("True", .bool(true)), ("TRUE", .bool(true)),
            ("false", .bool(false)), ("False", .bool(false)), ("FALSE", .bool(false)),
            ("null", .null), ("Null", .null), ("NULL", .null), ("~", .null), ("", .null),
            ("0", .number(0)), ("42", .number(42)), ("-17", .number(-17)), ("+5", .number(5)),
            ("007", .number(7)), ("0x1F", .number(31)), ("0o17", .number(15)),
            ("1.5", .number(1.5)), ("-0.25", .number(-0.25)), (".5", .number(0.5)), ("1e3", .number(1000)),
            ("2.5E-1", .number(0.25)), ("5.", .number(5)),
            (".inf", .number(.infinity)), ("-.Inf", .number(-.infinity)), (".NaN", .number(.nan)),
            ("yes", .string("yes")), ("no", .string("no")), ("on", .string("on")), ("0b101", .string("0b101")),
            ("1_000", .string("1_000")), ("0x", .string("0x")), ("-0x1F", .string("-0x1F")),
            ("1.2.3", .string("1.2.3")), ("nulls", .string("nulls")), ("tRue", .string("tRue")),
            ("inf", .string("inf")), ("nan", .string("nan")), ("e5", .string("e5")),
        ])
    func coreSchema(text: String, expected: JSONValue) throws {
        let value = try ConfigLoader.parse(yaml: "v: \(text)\n")
        #expect(value == .object(["v": expected]), "plain scalar '\(text)'")
    }

    @Test("quoted and tagged scalars are strings")
    func quotedScalars() throws {
        let value = try ConfigLoader.parse(
            yaml: """
                a: "true"
                b: '42'
                c: "null"
                d: !!str 7
                e: ''
                f: !!int "12"
                """)
        #expect(
            value
                == [
                    "a": "true", "b": "42", "c": "null", "d": "7", "e": "", "f": 12,
                ])
    }

    @Test("block and flow collections and multi-line scalars")
    func collections() throws {
        let value = try ConfigLoader.parse(
            yaml: """
                block:
                  list:
                    - one
                    - 2
                    - {inline: [a, b, {c: d}]}
                folded: >
                  first line
                  same line

                  new paragraph
                literal: |
                  line one
                  line two
                plainMulti: this is
                  continued
                quoted: "tab\\there \\u00e9"
                """)
        let expected: JSONValue = [
            "block": ["list": ["one", 2, ["inline": ["a", "b", ["c": "d"]]]]],
            "folded": "first line same line\nnew paragraph\n",
            "literal": "line one\nline two\n",
            "plainMulti": "this is continued",
            "quoted": "tab\there é",
        ]
        #expect(value == expected)
    }

    @Test("anchors and aliases copy the anchored value")
    func anchorsAndAliases() throws {
        let value = try ConfigLoader.parse(
            yaml: """
                base: &base
                  host: localhost
                  port: 7007
                copy: *base
                list: [&x 1, *x, *x]
                """)
        let base: JSONValue = ["host": "localhost", "port": 7007]
        #expect(value == ["base": base, "copy": base, "list": [1, 1, 1]])
    }

    @Test("duplicate keys name file, line, column and key")
    func duplicateKeys() {
        let message = configErrorMessage {
            _ = try ConfigLoader.parse(yaml: "a: 1\nb:\n  c: 1\n  c: 2\n", source: "dup.yaml")
        }
        #expect(message == "dup.yaml:4:3: duplicate key 'c' in mapping")
    }

    @Test("malformed YAML reports line, column and libyaml's problem")
    func malformed() throws {
        let message = configErrorMessage {
            _ = try ConfigLoader.parse(yaml: "a: 1\nb: [1, 2\nc: 3\n", source: "bad.yaml")
        }
        #expect(message == "bad.yaml:3:2: did not find expected ',' or ']'")
        let tabs = configErrorMessage {
            _ = try ConfigLoader.parse(yaml: "a:\n\tb: 1\n", source: "tabs.yaml")
        }
        #expect(tabs == "tabs.yaml:2:1: found character that cannot start any token")
    }

    @Test("a billion-laughs document fails fast")
    func billionLaughs() throws {
        var yaml = "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        for level in 1...9 {
            let previous = "*a\(level - 1)"
            let items = Array(repeating: previous, count: 10).joined(separator: ", ")
            yaml += "a\(level): &a\(level) [\(items)]\n"
        }
        let start = ContinuousClock.now
        let message = configErrorMessage { _ = try ConfigLoader.parse(yaml: yaml, source: "lol.yaml") }
        #expect(ContinuousClock.now - start < .seconds(1))
        #expect(message == "lol.yaml:5:45: alias expansion limit exceeded (more than 100000 nodes)")
    }

    @Test("10,000-deep nesting is a clean error")
    func deepNesting() throws {
        let flow = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        let message = configErrorMessage { _ = try ConfigLoader.parse(yaml: "a: " + flow, source: "deep.yaml") }
        #expect(message == "deep.yaml:1:515: nesting depth limit exceeded (more than 512 levels)")

        let block = "a:\n  " + String(repeating: "- ", count: 10_000) + "x\n"
        let blockMessage = configErrorMessage { _ = try ConfigLoader.parse(yaml: block, source: "deep.yaml") }
        #expect(blockMessage == "deep.yaml:2:1025: nesting depth limit exceeded (more than 512 levels)")
    }

    @Test("multiple documents and complex keys are refused")
    func unsupportedStructures() {
        #expect(
            configErrorMessage { _ = try ConfigLoader.parse(yaml: "a: 1\n---\nb: 2\n", source: "m.yaml") }
                == "m.yaml:2:1: multiple YAML documents in one config file are not supported")
        #expect(
            configErrorMessage { _ = try ConfigLoader.parse(yaml: "? [a]\n: 1\n", source: "k.yaml") }
                == "k.yaml:1:3: complex mapping keys are not supported")
    }
}
