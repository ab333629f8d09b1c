import BackendRuntime
import BackendTestSupport
import BackendTesting
import Foundation
import NIOCore
import NIOHTTP1
import SQLKit
import Testing

@testable import BackendKit

/// Every statement runs under `backend.database.statementTimeout`: a slow one is cancelled and answers 503 naming
/// the deadline; a PostgreSQL server that stops answering is given up on a little later, as an outage, and the
/// connection that waited is closed rather than pooled again.
@Suite("Statement deadlines")
struct StatementTimeoutTests {
    /// A plugin with one table, a route that writes a row and then runs a statement that never ends by itself, and
    /// routes that count the rows and the database's open connections.
    static let notes = TestPlugin("notes") { routes, env in
        try await env.database.migrate([
            DatabaseMigration(id: "20261201_notes") { db in
                try await db.create(table: "notes").column("id", type: .text, .primaryKey(autoIncrement: false)).run()
            }
        ])
        let database = env.database
        let endless: SQLQueryString =
            database.dialect == .sqlite
            ? "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"
            : "SELECT pg_sleep(600)"
        routes.post("/slow", access: .public) { _, _ -> Response in
            try await database.transaction { db in
                try await db.insert(into: "notes").columns("id").values(SQLBind(UUID().uuidString)).run()
                try await db.raw(endless).run()
            }
            return Response(status: .created)
        }
        routes.get("/count", access: .public) { _, _ -> String in
            let count = try await database.withSession { db in
                try await db.select().column(SQLFunction("count", args: SQLLiteral.all), as: "n").from("notes")
                    .first(decodingColumn: "n", as: Int.self)
            }
            return "\(count ?? -1)"
        }
        routes.get("/connections", access: .public) { _, _ -> String in
            let usage = database.connectionUsage
            return "\(usage.inUse + usage.idle)"
        }
    }

    /// A statement past the deadline (300 ms) is cancelled: the request answers 503 naming the deadline and its key
    /// soon after, its transaction is rolled back, and the same database serves the next request.
    @Test(arguments: TestDatabaseEngine.allCases)
    func aSlowStatementIsCancelledAtTheDeadline(_ engine: TestDatabaseEngine) async throws {
        let backend = TestBackend(plugins: [Self.notes], config: "backend: {database: {statementTimeout: 300ms}}")
        let logs = try await backend.test(engine: engine) { client in
            let message =
                "The notes plugin's database did not answer within 300ms (backend.database.statementTimeout)"
            for _ in 0..<2 {
                let started = ContinuousClock.now
                let response = try await client.post("/api/notes/slow")
                let elapsed = ContinuousClock.now - started
                #expect(response.status == 503)
                #expect(
                    response.text
                        == errorBody(
                            name: "ServiceUnavailableError", message: message, method: "POST", url: "/slow",
                            status: 503))
                #expect(elapsed >= .milliseconds(300) && elapsed < .seconds(3), "\(elapsed)")
                print("\(engine): a statement past the 300 ms deadline answered 503 after \(elapsed)")
            }
            let count = try await client.get("/api/notes/count")
            #expect(count.status == 200)
            #expect(count.text == "0", "the cancelled transactions' rows are rolled back")
            return client.logs
        }
        let lines = logs.entries.filter { $0.message.description.contains("did not answer within") }
        #expect(
            lines.map(\.message.description)
                == Array(
                    repeating:
                        "The notes plugin's database did not answer within 300ms (backend.database.statementTimeout): the statement was cancelled",
                    count: 2))
        #expect(lines.allSatisfy { $0.level == .warning })
        #expect(
            !logs.entries.contains { $0.message.description.contains("is unreachable") },
            "a slow statement is no outage")
    }

    /// A PostgreSQL server frozen with SIGSTOP cancels nothing. A request on a pooled connection answers the outage
    /// 503 at the client's deadline (1 s + 2 s), that connection is closed rather than pooled again, and once the
    /// server runs again the next request succeeds without a restart.
    @Test(.enabled(if: PrivatePostgres.isAvailable, "PostgreSQL server binaries (initdb, pg_ctl) are not installed"))
    func aFrozenServerAnswers503AtTheClientDeadline() async throws {
        try await PrivatePostgres.with { server in
            let yaml =
                "backend:\n  database:\n    client: pg\n    connection: '\(server.url)'\n    statementTimeout: 1s"
            let logs = TestLogs()
            try await TestHost.with(yaml: yaml, logs: logs, plugins: [Self.notes]) { host in
                // A pooled connection, so that the request below reuses it (the pool hands an idle connection to
                // the next session, whatever its event loop).
                var open = 0
                for _ in 0..<50 where open < 1 {
                    #expect(try await HTTP.send(.GET, "\(host.baseURL)/api/notes/count").body == "0")
                    open = try await Int(HTTP.send(.GET, "\(host.baseURL)/api/notes/connections").body) ?? 0
                }
                #expect(open >= 1)

                try await server.freeze()
                defer { server.resume() }
                let started = ContinuousClock.now
                let response = try await HTTP.send(.GET, "\(host.baseURL)/api/notes/count")
                let elapsed = ContinuousClock.now - started
                #expect(response.status == 503)
                #expect(
                    response.body
                        == errorBody(
                            name: "ServiceUnavailableError",
                            message: "The notes plugin's database is unavailable; try again later", url: "/count",
                            status: 503))
                #expect(elapsed >= .seconds(3) && elapsed < .milliseconds(4500), "\(elapsed)")
                print("a request to the frozen server answered 503 after \(elapsed)")

                // The connection that timed out is closed, not returned to the pool.
                let closedBy = ContinuousClock.now + .seconds(5)
                var now = open
                while now != open - 1, ContinuousClock.now < closedBy {
                    now = try await Int(HTTP.send(.GET, "\(host.baseURL)/api/notes/connections").body) ?? -1
                    if now != open - 1 { try await Task.sleep(for: .milliseconds(20)) }
                }
                #expect(now == open - 1, "open connections: \(open) before, \(now) after")

                server.resume()
                let recovered = try await HTTP.send(.GET, "\(host.baseURL)/api/notes/count")
                #expect(recovered.status == 200 && recovered.body == "0")
            }
            let unreachable = logs.entries.filter {
                $0.message.description.hasPrefix("Database for plugin notes is unreachable")
            }
            #expect(
                unreachable.map(\.message.description) == [
                    "Database for plugin notes is unreachable at 127.0.0.1:\(server.port): no answer within 3s; the connection was closed"
                ])
            #expect(logs.entries.contains { $0.message == "Database for plugin notes is reachable again" })
        }
    }
}
