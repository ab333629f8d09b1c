import BackendJSON
import BackendTestSupport
import Foundation
import NIOHTTP1
import Testing

/// `backend.metrics.listen` with the shipped binary: after a known sequence of requests, tasks and scheduled runs,
/// `GET /metrics` has exactly the series and counts they make, with route templates and bounded reasons as labels
/// and never a raw path, a token or a secret.
@Suite("Prometheus metrics of the backend binary")
struct MetricsTests {
    static let keySecret = "bWV0cmljcy10ZXN0LWtleS1zZWNyZXQtMDEyMzQ1Njc4OWFiY2RlZg=="
    static let otherSecret = "b3RoZXItbWV0cmljcy1rZXktc2VjcmV0LTAxMjM0NTY3ODlhYmNkZWY="
    static let staticToken = "metrics-static-token-4d2a"
    static let plugins = ["catalog", "scaffolder", "search"]

    static func config(engine: Engine, directory: URL, prefix: String) throws -> String {
        let examples = Repository.root.appendingPathComponent("Examples/catalog").path
        let database = try TestDatabases.section(engine, directory: directory, prefix: prefix)
        return """
            backend:
              baseUrl: http://localhost:7007
              listen: { host: 127.0.0.1, port: 0 }
              metrics: { listen: '127.0.0.1:0' }
              database: \(database.jsonText())
              auth:
                keys:
                  - secret: \(keySecret)
                externalAccess:
                  - type: static
                    options: {token: \(staticToken), subject: ci-bot}
                    accessRestrictions: [{plugin: search}]
            catalog:
              rules: [{allow: [Component, API, Location, System, Group, User, Template]}]
              locations:
                - {type: file, target: \(examples)/entities.yaml}
                - {type: file, target: \(examples)/templates.yaml}
            search:
              collators:
                catalog:
                  schedule: {frequency: 1s, timeout: 10s, initialDelay: 0s}
            """
    }

    /// Three tokens PyJWT signs: expired, a wrong `sub` (claims), and made with a key the host does not have.
    static func oracleTokens() async throws -> (expired: String, claims: String, signature: String) {
        let output = try await Python.run(
            """
            import base64, sys, time, jwt
            key, other = (base64.b64decode(s) for s in sys.argv[1:3])
            now = int(time.time())
            print(jwt.encode({"sub": "backstage-server", "exp": now - 60}, key, algorithm="HS256"))
            print(jwt.encode({"sub": "someone-else", "exp": now + 600}, key, algorithm="HS256"))
            print(jwt.encode({"sub": "backstage-server", "exp": now + 600}, other, algorithm="HS256"))
            """, [keySecret, otherSecret])
        let lines = output.split(separator: "\n").map(String.init)
        try #require(lines.count == 3, "\(output)")
        return (lines[0], lines[1], lines[2])
    }

    @Test(
        "requests by route template and status, 401s by reason, a restricted 403, tasks, scheduled runs, entities and connections",
        arguments: Engine.allCases)
    func knownSequence(_ engine: Engine) async throws {
        let tokens = try await Self.oracleTokens()
        try await TestDatabases.withPrefix(engine, dropping: Self.plugins) { prefix in
            try await TemporaryDirectory.with { dir in
                let file = try dir.write(
                    "app-config.yaml", try Self.config(engine: engine, directory: dir.url, prefix: prefix))
                try await BackendProcess.withServer(arguments: ["run", "--config", file]) { process, port in
                    let metricsPort = try await process.waitForMetricsPort()
                    let base = "http://127.0.0.1:\(port)/api"
                    let token = try await BackendProcess.run(["token", "create", "--secret", Self.keySecret])
                        .stdout.trimmingCharacters(in: .newlines)

                    let byName = "\(base)/catalog/entities/by-name/component/default/payment-service"
                    for _ in 0..<3 {
                        #expect(try await HTTP.send(.GET, byName, token: token).status == 200)
                    }
                    let entities = "\(base)/catalog/entities"
                    #expect(try await HTTP.send(.GET, entities).status == 401)
                    #expect(
                        try await HTTP.send(.GET, entities, headers: [("Authorization", "Basic eDp5")]).status == 401)
                    #expect(try await HTTP.send(.GET, entities, token: "not-a-jwt").status == 401)
                    #expect(try await HTTP.send(.GET, entities, token: tokens.expired).status == 401)
                    #expect(try await HTTP.send(.GET, entities, token: tokens.claims).status == 401)
                    #expect(try await HTTP.send(.GET, entities, token: tokens.signature).status == 401)
                    #expect(try await HTTP.send(.GET, entities, token: Self.staticToken).status == 403)
                    let unmatched = "no-such-route-5f3e9c"
                    #expect(try await HTTP.send(.GET, "\(base)/catalog/\(unmatched)", token: token).status == 404)
                    let custom = try await HTTP.send(.RAW(value: "PURGE"), "\(base)/catalog/entities", token: token)
                    #expect(custom.status == 404)

                    // One task completes; the same name again fails at catalog:register (409).
                    var ids: [String] = []
                    for _ in 0..<2 {
                        let submitted = try await HTTP.send(
                            .POST, "\(base)/scaffolder/v2/tasks", token: token,
                            json:
                                #"{"templateRef":"template:default/create-component","values":{"name":"metered","owner":"team-a"}}"#
                        )
                        #expect(submitted.status == 201, "\(submitted.body)")
                        ids.append(try #require(submitted.json["id"] as? String))
                        try await Self.waitForFinal(base, token, ids.last ?? "")
                    }

                    let kinds = try await Self.entityCountsByKind(base, token)
                    // The collator runs every second; wait for a completed run.
                    var samples: [Sample] = []
                    for _ in 0..<100 {
                        samples = try await Self.scrape(metricsPort)
                        let completed = Self.value(
                            samples, "backend_tasks_task_runs_count",
                            ["taskId": "search-collator-catalog", "scope": "global", "result": "completed"])
                        if (completed ?? 0) >= 1 { break }
                        try await Task.sleep(for: .milliseconds(100))
                    }
                    let scraped = try await HTTP.send(.GET, "http://127.0.0.1:\(metricsPort)/metrics")
                    #expect(scraped.contentType == "text/plain; version=0.0.4; charset=utf-8")
                    #expect(try await HTTP.send(.GET, "http://127.0.0.1:\(metricsPort)/other").status == 404)

                    let duration = "http_server_request_duration_seconds_count"
                    if ProcessInfo.processInfo.environment["METRICS_TEST_DUMP"] != nil { print(scraped.body) }
                    #expect(
                        Self.value(
                            samples, duration,
                            [
                                "http_request_method": "GET", "http_response_status_code": "200",
                                "http_route": "/api/catalog/entities/by-name/{kind}/{namespace}/{name}",
                                "plugin": "catalog",
                            ]) == 5, "three here, and the scaffolder's two fetches of the template")
                    #expect(
                        Self.value(
                            samples, duration,
                            [
                                "http_request_method": "GET", "http_response_status_code": "401",
                                "http_route": "/api/catalog/entities", "plugin": "catalog",
                            ]) == 6)
                    #expect(
                        Self.value(
                            samples, duration,
                            [
                                "http_request_method": "GET", "http_response_status_code": "404", "http_route": "",
                                "plugin": "",
                            ]) == 1)
                    #expect(
                        Self.value(
                            samples, duration,
                            [
                                "http_request_method": "_OTHER", "http_response_status_code": "404", "http_route": "",
                                "plugin": "",
                            ]) == 1)
                    let buckets = samples.filter { $0.name == "http_server_request_duration_seconds_bucket" }
                    #expect(buckets.contains { $0.labels["le"] == "+Inf" })

                    let failures = samples.filter { $0.name == "backend_auth_failures_total" }
                    var byReason: [String: Double] = [:]
                    for sample in failures {
                        #expect(sample.labels["plugin"] == "catalog")
                        byReason[sample.labels["reason"] ?? "?"] = sample.value
                    }
                    #expect(
                        byReason == [
                            "missing": 1, "malformed": 2, "expired": 1, "claims": 1, "signature": 1, "restricted": 1,
                        ])

                    #expect(Self.value(samples, "scaffolder_tasks_total", ["status": "completed"]) == 1)
                    #expect(Self.value(samples, "scaffolder_tasks_total", ["status": "failed"]) == 1)

                    for (kind, count) in kinds {
                        #expect(
                            Self.value(samples, "catalog_entities_count", ["kind": kind]) == Double(count), "\(kind)")
                    }
                    #expect(samples.filter { $0.name == "catalog_entities_count" }.count == kinds.count)

                    let runs = ["taskId": "search-collator-catalog", "scope": "global"]
                    let started = Self.value(
                        samples, "backend_tasks_task_runs_count", runs.merging(["result": "started"]) { $1 })
                    let completed = Self.value(
                        samples, "backend_tasks_task_runs_count", runs.merging(["result": "completed"]) { $1 })
                    #expect((completed ?? 0) >= 1)
                    #expect((started ?? 0) >= (completed ?? 0))

                    for plugin in Self.plugins {
                        let inUse = Self.value(
                            samples, "backend_database_connections", ["plugin": plugin, "state": "in_use"])
                        let idle = Self.value(
                            samples, "backend_database_connections", ["plugin": plugin, "state": "idle"])
                        #expect(inUse != nil && idle != nil, "\(plugin)")
                        let open = (inUse ?? 0) + (idle ?? 0)
                        // SQLite holds one connection per plugin; the PostgreSQL pool at least the one it used.
                        #expect(engine == .sqlite ? open == 1 : open >= 1, "\(plugin): \(open)")
                    }

                    let text = scraped.body
                    for secret in [
                        unmatched, "payment-service", token, tokens.expired, tokens.claims, Self.staticToken,
                        Self.keySecret,
                    ] {
                        #expect(!text.contains(secret))
                    }
                }
            }
        }
    }

    @Test("no listener without backend.metrics.listen; a bad address or a busy port stops startup with exit 1")
    func listenerConfig() async throws {
        try await TemporaryDirectory.with { dir in
            let plain = try dir.write("plain.yaml", "backend:\n  listen: {host: 127.0.0.1, port: 0}\n")
            try await BackendProcess.withServer(arguments: ["run", "--config", plain]) { process, port in
                #expect(!(process.stderr + process.stdout).contains("Metrics listening"))

                // The first backend's port is taken: a second one cannot put its metrics listener there.
                let taken = try dir.write("taken.yaml", "backend:\n  listen: 0\n  metrics: {listen: \(port)}\n")
                let failed = try await BackendProcess.run(["run", "--config", taken], timeout: .seconds(30))
                #expect(failed.exitCode == 1)
                #expect(
                    failed.stderr.contains("Could not listen for metrics on 127.0.0.1:\(port)"), "\(failed.stderr)")
            }

            let bad = try dir.write("bad.yaml", "backend:\n  listen: 0\n  metrics: {listen: 'nowhere'}\n")
            let refused = try await BackendProcess.run(["run", "--config", bad])
            #expect(refused.exitCode == 1)
            let message =
                "Invalid listen address in config for key 'backend.metrics.listen' in '\(bad)': 'nowhere', "
                + "wanted a port, 'host:port' or {host, port}"
            #expect(refused.stderr.contains(message), "\(refused.stderr)")
            let check = try await BackendProcess.run(["config", "check", "--config", bad])
            #expect(check.exitCode == 1)
            #expect(check.stderr.contains(message), "\(check.stderr)")
        }
    }

    // MARK: - Helpers

    /// One sample of the text exposition format.
    struct Sample {
        let name: String
        let labels: [String: String]
        let value: Double
    }

    static func scrape(_ port: Int) async throws -> [Sample] {
        let response = try await HTTP.send(.GET, "http://127.0.0.1:\(port)/metrics")
        try #require(response.status == 200)
        return try parse(response.body)
    }

    /// The value of the one sample of `name` whose labels are exactly `labels`.
    static func value(_ samples: [Sample], _ name: String, _ labels: [String: String]) -> Double? {
        let matching = samples.filter { $0.name == name && $0.labels == labels }
        return matching.count == 1 ? matching[0].value : nil
    }

    /// Parses `name{a="x",b="y"} value` lines (comments skipped; `\"`, `\\` and `\n` unescaped in values).
    static func parse(_ text: String) throws -> [Sample] {
        var samples: [Sample] = []
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            var labels: [String: String] = [:]
            let name: Substring
            var rest: Substring
            if let open = line.firstIndex(of: "{") {
                name = line[..<open]
                rest = line[line.index(after: open)...]
                while !rest.hasPrefix("}") {
                    guard let equals = rest.firstIndex(of: "=") else { throw ParseError(line: String(line)) }
                    let key = String(rest[..<equals])
                    rest = rest[rest.index(equals, offsetBy: 2)...]
                    var value = ""
                    while let character = rest.first, character != "\"" {
                        rest = rest.dropFirst()
                        if character == "\\", let escaped = rest.first {
                            value.append(escaped == "n" ? "\n" : escaped)
                            rest = rest.dropFirst()
                        } else {
                            value.append(character)
                        }
                    }
                    rest = rest.dropFirst()
                    if rest.hasPrefix(",") { rest = rest.dropFirst() }
                    labels[key] = value
                }
                rest = rest.dropFirst()
            } else {
                guard let space = line.firstIndex(of: " ") else { throw ParseError(line: String(line)) }
                name = line[..<space]
                rest = line[space...]
            }
            guard
                let value = Double(
                    rest.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "+Inf", with: "inf"))
            else { throw ParseError(line: String(line)) }
            samples.append(Sample(name: String(name), labels: labels, value: value))
        }
        return samples
    }

    struct ParseError: Error, CustomStringConvertible {
        let line: String
        var description: String { "not a sample line: \(line)" }
    }

    static func waitForFinal(_ base: String, _ token: String, _ id: String) async throws {
        for _ in 0..<300 {
            let task = try await HTTP.send(.GET, "\(base)/scaffolder/v2/tasks/\(id)", token: token)
            if ["completed", "failed"].contains(task.json["status"] as? String ?? "") { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("task \(id) did not finish")
    }

    /// The catalog's entities counted by `kind` as the API lists them.
    static func entityCountsByKind(_ base: String, _ token: String) async throws -> [String: Int] {
        let listed = try await HTTP.send(.GET, "\(base)/catalog/entities", token: token)
        let entities = try #require(
            (try JSONSerialization.jsonObject(with: Data(listed.body.utf8))) as? [[String: Any]])
        var counts: [String: Int] = [:]
        for entity in entities { counts[entity["kind"] as? String ?? "?", default: 0] += 1 }
        return counts
    }
}
