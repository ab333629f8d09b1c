import Testing

@testable import BackendConfig

@Suite struct ConfigPrintingTests {
    let value: JSONValue = [
        "backend": [
            "baseUrl": "http://localhost:7007",
            "listen": ["port": 7007],
            "auth": ["keys": [["secret": "c2VjcmV0LWtleQ=="], ["secret": "other"]]],
            "database": ["password": "pw", "user": "me", "accessToken": "t", "clientSecret": "s"],
        ],
        "strings": [
            "", "true", "null", "42", "1.5", "~", "a: b", "#c", "- x", "multi\nline", " padded ", "tab\there",
            "quote\"s", "back\\slash", "unicode é", "<secret>", "x #y", "[a]", "{b}", "*alias", "&anchor",
            "!tag", "%d", "@at", "`tick`", "?q", ".inf", "0x1F", "yes",
        ],
        "numbers": [0, -3, 1.25, 1e20, 123_456_789_012, .number(.infinity), .number(-.infinity)],
        "flags": [true, false, nil],
        "empty": ["object": [:], "array": []],
        "nested": [[1, [2, [3]]], [["k": "v", "l": [["m": 1]]]]],
        "weird keys": ["a.b": 1, "true": 2, "": 3, "with: colon": 4],
    ]

    @Test("redactingSecrets replaces backend.auth.keys[0].secret and other secret keys")
    func redaction() throws {
        let redacted = value.redactingSecrets()
        let config = Config(redacted)
        let keys = try config.getConfigArray("backend.auth.keys")
        #expect(try keys[0].getString("secret") == "<secret>")
        #expect(try keys[1].getString("secret") == "<secret>")
        #expect(try config.getString("backend.database.password") == "<secret>")
        #expect(try config.getString("backend.database.accessToken") == "<secret>")
        #expect(try config.getString("backend.database.clientSecret") == "<secret>")
        #expect(try config.getString("backend.database.user") == "me")
        #expect(try config.getString("backend.baseUrl") == "http://localhost:7007")
        #expect(!redacted.yamlString().contains("c2VjcmV0LWtleQ"))
        #expect(value.yamlString().contains("secret: c2VjcmV0LWtleQ=="))
    }

    @Test("yamlString parses back equal")
    func yamlRoundTrip() throws {
        let yaml = value.yamlString()
        let parsed = try ConfigLoader.parse(yaml: yaml)
        #expect(parsed == value, "\(yaml)")
    }

    @Test("yamlString layout")
    func yamlLayout() {
        let small: JSONValue = ["backend": ["listen": ["port": 7007], "keys": [["secret": "<secret>"], "x"]]]
        #expect(
            small.yamlString()
                == """
                backend:
                  listen:
                    port: 7007
                  keys:
                    - secret: <secret>
                    - x

                """)
    }

    @Test("jsonText: compact and pretty, integral numbers without .0, order kept")
    func json() throws {
        let small: JSONValue = ["b": 1, "a": [1.5, "x\"y", nil, true], "c": [:]]
        #expect(small.jsonText(options: .escapingInvisibles) == #"{"b":1,"a":[1.5,"x\"y",null,true],"c":{}}"#)
        #expect(
            small.jsonText(options: [.prettyPrinted, .escapingInvisibles])
                == """
                {
                  "b": 1,
                  "a": [
                    1.5,
                    "x\\"y",
                    null,
                    true
                  ],
                  "c": {}
                }
                """)
        let finite: JSONValue = ["numbers": [0, -3, 1.25, 1e20], "strings": ["é\n\u{1}"]]
        #expect(try ConfigLoader.parse(yaml: finite.jsonText(options: .escapingInvisibles)) == finite)
    }

    @Test("typeName uses Backstage's names")
    func typeNames() {
        let values: [JSONValue] = [nil, true, 1, "s", [], [:]]
        #expect(values.map(\.typeName) == ["null", "boolean", "number", "string", "array", "object"])
    }
}
