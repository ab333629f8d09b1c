import BackendKit
import BackendTesting
import CatalogPlugin
import Foundation
import ScaffolderActions
import ScaffolderPlugin
import Testing

/// `POST /api/scaffolder/v2/dry-run` on an in-process host with the catalog, the scaffolder and a plugin contributing
/// `test:write`.
@Suite("Scaffolder dry run")
struct DryRunTests {
    static let backend = TestBackend(
        plugins: [CatalogPlugin(), ScaffolderPlugin(), ActionsPlugin(id: "tools", actions: [WriteFileAction()])])

    /// A `scaffolder.backstage.io/v1beta3` template with `steps` and `parameters`.
    static func template(steps: [JSONValue], parameters: JSONValue = [:], output: JSONValue? = nil) -> JSONValue {
        var spec: JSONObject = ["parameters": parameters, "steps": .array(steps)]
        if let output { spec["output"] = output }
        return [
            "apiVersion": "scaffolder.backstage.io/v1beta3", "kind": "Template", "metadata": ["name": "trial"],
            "spec": .object(spec),
        ]
    }

    static let register: JSONValue = [
        "id": "register", "name": "Register", "action": "catalog:register",
        "input": [
            "entity": [
                "apiVersion": "backstage.io/v1alpha1", "kind": "Component",
                "metadata": ["name": "${{ parameters.name }}"], "spec": ["type": "service", "owner": "team"],
            ]
        ],
    ]

    @Test("runs the steps that support dry run, skips the others with a log line, and stores nothing")
    func runsWithoutEffects() async throws {
        try await Self.backend.testOnEveryEngine { engine, client in
            let body: JSONValue = [
                "template": Self.template(
                    steps: [
                        ["id": "hello", "action": "debug:log", "input": ["message": "Hello ${{ parameters.name }}"]],
                        Self.register,
                        [
                            "id": "write", "name": "Write", "action": "test:write",
                            "input": ["path": "out/${{ parameters.name }}.txt", "content": "made by a dry run"],
                        ],
                    ],
                    parameters: ["required": ["name"], "properties": ["name": ["type": "string"]]],
                    output: ["file": "${{ steps.write.output.written }}", "seed": "${{ steps.write.output.seed }}"]),
                "values": ["name": "svc"],
                "directoryContents": [
                    ["path": "seed.txt", "base64Content": .string(Data("seed".utf8).base64EncodedString())]
                ],
            ]
            let response = try await client.post("/api/scaffolder/v2/dry-run", json: body, as: .backend)
            #expect(response.status == .ok, "on \(engine)")
            let result = try #require(response.json)
            let messages = result["log"]?.arrayValue?.compactMap { $0["body"]?["message"]?.stringValue } ?? []
            #expect(
                messages == [
                    "Beginning step hello (debug:log)", "Hello svc", "Finished step hello",
                    "Skipping because catalog:register does not support dry-run",
                    "Beginning step Write (test:write)", "Wrote out/svc.txt for external:backstage-plugin",
                    "Finished step Write",
                ])
            #expect(result["log"]?.arrayValue?[3]["body"]?["stepId"] == "register")
            #expect(
                result["steps"]
                    == [
                        ["id": "hello", "name": "hello", "action": "debug:log", "status": "completed"],
                        ["id": "register", "name": "Register", "action": "catalog:register", "status": "skipped"],
                        ["id": "write", "name": "Write", "action": "test:write", "status": "completed"],
                    ])
            #expect(result["output"] == ["file": "out/svc.txt", "seed": "seed"])
            #expect(
                result["directoryContents"]
                    == [
                        [
                            "path": "out/svc.txt",
                            "base64Content": .string(Data("made by a dry run".utf8).base64EncodedString()),
                            "executable": false,
                        ],
                        ["path": "seed.txt", "base64Content": "c2VlZA==", "executable": false],
                    ])
            #expect(result["error"] == nil)

            let tasks = try await client.get("/api/scaffolder/v2/tasks", as: .backend)
            #expect(tasks.json?["totalTasks"] == 0)
            let entity = try await client.get("/api/catalog/entities/by-name/component/default/svc", as: .backend)
            #expect(entity.status == .notFound)
        }
    }

    @Test("a body that is not a v1beta3 Template is refused with Backstage's message")
    func notATemplate() async throws {
        try await Self.backend.test { client in
            for template: JSONValue in [
                ["apiVersion": "backstage.io/v1alpha1", "kind": "Component", "metadata": ["name": "x"]],
                ["apiVersion": "scaffolder.backstage.io/v1beta2", "kind": "Template"], "template", 42,
            ] {
                let response = try await client.post(
                    "/api/scaffolder/v2/dry-run", json: ["template": template, "values": [:]] as JSONValue, as: .backend
                )
                #expect(response.status == .badRequest)
                #expect(response.errorName == "InputError")
                #expect(response.errorMessage == "Input template is not a template")
            }
            let missing = try await client.post(
                "/api/scaffolder/v2/dry-run", json: ["values": [:]] as JSONValue, as: .backend)
            #expect(missing.errorMessage == "Input template is not a template")
        }
    }

    @Test("parameters that fail the template's schema answer 400 {errors} in the jsonschema package's shape")
    func parameterErrors() async throws {
        try await Self.backend.test { client in
            let template = Self.template(
                steps: [["action": "debug:log", "input": ["message": "hi"]]],
                parameters: [
                    [
                        "required": ["name"],
                        "properties": ["name": ["type": "string", "minLength": 2], "count": ["type": "integer"]],
                    ]
                ])
            let response = try await client.post(
                "/api/scaffolder/v2/dry-run", json: ["template": template, "values": ["count": "many"]] as JSONValue,
                as: .backend)
            #expect(response.status == .badRequest)
            #expect(
                response.text
                    == #"{"errors":[{"argument":"name","message":"requires property \"name\"","name":"required","path":[],"property":"instance","stack":"instance requires property \"name\""},{"argument":["integer"],"message":"is not of a type(s) integer","name":"type","path":["count"],"property":"instance.count","stack":"instance.count is not of a type(s) integer"}]}"#
            )
            let short = try await client.post(
                "/api/scaffolder/v2/dry-run", json: ["template": template, "values": ["name": "a"]] as JSONValue,
                as: .backend)
            #expect(
                short.json?["errors"]?.arrayValue?.first?["stack"] == "instance.name does not meet minimum length of 2")
        }
    }

    @Test("directoryContents paths stay inside the workspace, and its members are checked")
    func directoryContents() async throws {
        try await Self.backend.test { client in
            let template = Self.template(steps: [["action": "debug:log", "input": ["message": "hi"]]])
            let cases: [(JSONValue, String)] = [
                (
                    [["path": "../escape.txt", "base64Content": "eA=="]],
                    "'directoryContents[0].path' '../escape.txt' must be a relative path inside the workspace, "
                        + "without '.', '..' or empty segments"
                ),
                (
                    [["path": "/etc/passwd", "base64Content": "eA=="]],
                    "'directoryContents[0].path' '/etc/passwd' must be a relative path inside the workspace, "
                        + "without '.', '..' or empty segments"
                ),
                (
                    [["path": "a.txt", "base64Content": "%%%"]],
                    "'directoryContents[0].base64Content' is not valid base64"
                ),
                (
                    [["path": "a.txt"]],
                    "'directoryContents[0]' must be an object with the strings 'path' and 'base64Content'"
                ),
                ("files", "'directoryContents' must be an array of {path, base64Content, executable?}"),
            ]
            for (contents, message) in cases {
                let response = try await client.post(
                    "/api/scaffolder/v2/dry-run",
                    json: ["template": template, "directoryContents": contents] as JSONValue, as: .backend)
                #expect(response.status == .badRequest)
                #expect(response.errorMessage == message)
            }
        }
    }

    @Test("a failing step answers 200 with the log so far, the failed step and the error")
    func failingStep() async throws {
        try await Self.backend.test { client in
            let template = Self.template(steps: [
                ["id": "wait", "action": "debug:wait", "input": ["seconds": "soon"]],
                ["id": "after", "action": "debug:log", "input": ["message": "never"]],
            ])
            let response = try await client.post(
                "/api/scaffolder/v2/dry-run", json: ["template": template] as JSONValue, as: .backend)
            #expect(response.status == .ok)
            #expect(
                response.json?["steps"]?.arrayValue?.compactMap { $0["status"]?.stringValue } == ["failed", "open"])
            #expect(
                response.json?["error"]
                    == ["name": "Error", "message": "Step 'wait' failed: Input 'seconds' must be a number, got string"])
            #expect(
                response.json?["log"]?.arrayValue?.last?["body"]
                    == [
                        "message": "Dry run failed: Step 'wait' failed: Input 'seconds' must be a number, got string",
                        "stepId": "wait",
                    ])
        }
    }

    @Test("an unknown action and a guarded route: 400 and 401")
    func refusals() async throws {
        try await Self.backend.test { client in
            let template = Self.template(steps: [["id": "x", "action": "nope:nothing"]])
            let unknown = try await client.post(
                "/api/scaffolder/v2/dry-run", json: ["template": template] as JSONValue, as: .backend)
            #expect(unknown.status == .badRequest)
            #expect(
                unknown.errorMessage
                    == "Template 'template:default/trial' is invalid: step 'x' uses the unknown action 'nope:nothing'")
            let anonymous = try await client.post(
                "/api/scaffolder/v2/dry-run", json: ["template": template] as JSONValue)
            #expect(anonymous.status == .unauthorized)
        }
    }
}
