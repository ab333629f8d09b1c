import BackendConfig
import BackendTestSupport
import Foundation
import SQLKit
import Testing

@testable import BackendDatabase

@Suite("Batched statements on SQLite and PostgreSQL")
struct SQLDatabaseBatchesTests {
    static let numbers = DatabaseMigration(id: "20261205_numbers") { db in
        try await db.create(table: "numbers")
            .column("n", type: .bigint, .primaryKey(autoIncrement: false))
            .column("label", type: .text)
            .run()
    }

    @Test("a collection is cut into consecutive slices of the size asked, the last one shorter")
    func slices() {
        #expect(Array(1...5).batches(of: 2).map(Array.init) == [[1, 2], [3, 4], [5]])
        #expect(Array(1...4).batches(of: 4).map(Array.init) == [[1, 2, 3, 4]])
        #expect([Int]().batches(of: 3).isEmpty)
        #expect("abcdefg".batches(of: 3).map(String.init) == ["abc", "def", "g"])
    }

    /// More rows than one statement carries: every row arrives, in order, with `NULL`s and integers as given.
    @Test("an insert of more rows than one statement carries writes them all", arguments: Engine.allCases)
    func insertsBeyondOneStatement(_ engine: Engine) async throws {
        try await TestDatabases.with(engine) { database, _ in
            try await database.migrate([Self.numbers])
            let limit = try await database.withSession { db in db.bindParameterLimit }
            #expect(limit == (engine == .sqlite ? 32_766 : 65_535))
            // About 4 MB of rows: several statements of at most a megabyte each.
            let count = 70_000
            let padding = String(repeating: "x", count: 50)
            try await database.transaction { db in
                try await db.insert(into: "numbers", columns: ["n", "label"], from: 0..<count) { n in
                    [[.int(n), n.isMultiple(of: 7) ? .null : .string("n\(n)\(padding)")]]
                }
            }
            let summary = try await database.withSession { db in
                try await db.raw(
                    "SELECT COUNT(*) AS c, MIN(n) AS lo, MAX(n) AS hi, COUNT(label) AS labelled, CAST(SUM(n) AS BIGINT) AS total FROM numbers"
                ).first()
            }
            let row = try #require(summary)
            #expect(try row.decode(column: "c", as: Int.self) == count)
            #expect(try row.decode(column: "lo", as: Int.self) == 0)
            #expect(try row.decode(column: "hi", as: Int.self) == count - 1)
            #expect(try row.decode(column: "total", as: Int.self) == count * (count - 1) / 2)
            #expect(try row.decode(column: "labelled", as: Int.self) == count - (count + 6) / 7)
            let label = try await database.withSession { db in
                try await db.select().column("label").from("numbers").where("n", .equal, 69_998)
                    .first(decodingColumn: "label", as: String?.self)
            }
            #expect(label == "n69998\(padding)")
        }
    }

    static let awkwardLabels = [
        "", " ", "plain", "quote \" and backslash \\", "tab\tnewline\ncarriage\r", "\u{01}\u{1F}\u{7F}",
        "snowman \u{2603} and \u{1F680}", "é (composed) e\u{301} (decomposed)", "'single' -- ; DROP TABLE numbers",
        "\\u0041 is not A", "\\N", "\\.", "[1,2]", "{\"a\":1}", "null", "1e5", "\u{2028}\u{2029}",
    ]

    /// The rows travel as text the engine parses (COPY's on PostgreSQL, JSON on SQLite): every string must come back
    /// exactly as written, whatever it holds.
    @Test("strings are stored exactly as given, quotes, escapes and non-ASCII included", arguments: Engine.allCases)
    func stringsRoundTrip(_ engine: Engine) async throws {
        let labels = Self.awkwardLabels
        try await TestDatabases.with(engine) { database, _ in
            try await database.migrate([Self.numbers])
            let encoding = try await database.withSession { db in db.rowsEncoding }
            #expect(encoding == (engine == .sqlite ? .jsonArrays : .copyText))
            try await database.transaction { db in
                try await db.insert(into: "numbers", columns: ["label", "n"], from: labels.indices) { index in
                    [[.string(labels[index]), .int(index)]]
                }
            }
            #expect(try await Self.labels(database) == labels.map { Array($0.utf8) })
        }
    }

    /// Every encoding stores the same rows on the engine that reads it, the JSON objects PostgreSQL takes when its
    /// session cannot copy included.
    @Test("each encoding of the rows stores them exactly", arguments: Engine.allCases)
    func everyEncoding(_ engine: Engine) async throws {
        let labels = Self.awkwardLabels
        let encodings: [RowsInsert.Encoding] = engine == .sqlite ? [.jsonArrays] : [.copyText, .jsonObjects]
        for encoding in encodings {
            try await TestDatabases.with(engine) { database, _ in
                try await database.migrate([Self.numbers])
                let insert = RowsInsert(table: "numbers", columns: ["n", "label"], encoding: encoding)
                let statement = try #require(
                    try insert.statement(for: labels.indices) { [[.int($0), .string(labels[$0])]] })
                try await database.withSession { db in try await db.execute(sql: statement) { _ in } }
                #expect(try await Self.labels(database) == labels.map { Array($0.utf8) }, "\(encoding)")
                let none = try insert.statement(for: labels.indices) { _ in [] }
                #expect(none == nil)
            }
        }
    }

    /// The `label` column of `numbers`, by `n`, as UTF-8 bytes: Swift's `==` on strings compares canonically, and the
    /// stored bytes must be the ones written.
    static func labels(_ database: PluginDatabase) async throws -> [[UInt8]] {
        try await database.withSession { db in
            try await db.select().column("label").from("numbers").orderBy("n")
                .all(decodingColumn: "label", as: String.self)
        }.map { Array($0.utf8) }
    }

    /// On PostgreSQL the rows go in with `COPY`, which the session's deadline bounds as it bounds a statement: a copy
    /// that waits on a lock past `statementTimeout` fails with the timeout, and the database keeps working.
    @Test func copyIsBoundedByTheStatementDeadline() async throws {
        try await TestDatabases.with(.postgres) { database, _ in
            // Only the inserts go through the bounded handle, and its bound leaves room for the insert after the lock
            // is gone: with other suites loading the same server on a busy machine, 300 ms did not always suffice for
            // it. The copy that waits on the lock still waits until the bound, however long that is.
            try await database.migrate([Self.numbers])
            try await TestDatabases.withBoundedHandle(on: database, statementTimeout: .seconds(2)) { bounded in
                let insert: @Sendable (any SQLDatabase) async throws -> Void = { db in
                    try await db.insert(into: "numbers", columns: ["n", "label"], from: 0..<10) { [[.int($0), .null]] }
                }
                try await database.transaction { holder in
                    try await holder.raw("LOCK TABLE numbers IN ACCESS EXCLUSIVE MODE").run()
                    await #expect(throws: DatabaseTimeoutError.self) {
                        try await bounded.transaction { db in try await insert(db) }
                    }
                }
                try await bounded.transaction { db in try await insert(db) }
                let count = try await database.withSession { db in
                    try await db.raw("SELECT COUNT(*) AS c FROM numbers").first(decodingColumn: "c", as: Int.self)
                }
                #expect(count == 10)
            }
        }
    }

    /// What `rows` throws for the element it cannot turn into rows.
    private struct UnwritableRow: Error, Equatable {
        let n: Int
    }

    /// The statements are built several at once and finish in any order; they still run in the order of the
    /// elements (a column that numbers rows as they arrive records it), and an element whose rows cannot be built
    /// stops the insert with its error, nothing written.
    @Test(
        "statements run in the order of the elements, and an element that fails stops the insert",
        arguments: Engine.allCases)
    func orderAndBuildFailure(_ engine: Engine) async throws {
        try await TestDatabases.with(engine) { database, _ in
            let arrival = engine == .sqlite ? "INTEGER PRIMARY KEY AUTOINCREMENT" : "BIGSERIAL PRIMARY KEY"
            try await database.withSession { db in
                try await db.raw("CREATE TABLE arrivals (arrival \(unsafeRaw: arrival), n INTEGER, label TEXT)").run()
            }
            let count = 20_000
            // Uneven work per element, so that later statements can be built before earlier ones.
            try await database.transaction { db in
                try await db.insert(into: "arrivals", columns: ["n", "label"], from: 0..<count) { n in
                    let label = n % 3_000 < 1_000 ? String(repeating: "y", count: 2_000) : "n"
                    return [[.int(n), .string(label)]]
                }
            }
            let stored = try await database.withSession { db in
                try await db.raw("SELECT n FROM arrivals ORDER BY arrival").all(decodingColumn: "n", as: Int.self)
            }
            #expect(stored.count == count)
            #expect(stored.indices.first { stored[$0] != $0 } == nil, "the first row out of order")

            try await database.withSession { db in try await db.raw("DELETE FROM arrivals").run() }
            await #expect(throws: UnwritableRow(n: 12_345)) {
                try await database.transaction { db in
                    try await db.insert(into: "arrivals", columns: ["n", "label"], from: 0..<count) { n in
                        if n == 12_345 { throw UnwritableRow(n: n) }
                        return [[.int(n), .null]]
                    }
                }
            }
            let left = try await database.withSession { db in
                try await db.raw("SELECT COUNT(*) AS c FROM arrivals").first(decodingColumn: "c", as: Int.self)
            }
            #expect(left == 0)
        }
    }

    /// The statements of one insert run in the caller's transaction: a failure in a later statement takes back the
    /// rows of the earlier ones.
    @Test("inside a transaction the batches are all or none", arguments: Engine.allCases)
    func atomicInTransaction(_ engine: Engine) async throws {
        try await TestDatabases.with(engine) { database, _ in
            try await database.migrate([Self.numbers])
            // Row 69,999 repeats row 0, in the last statement on either engine.
            let rows = Array(0..<69_999) + [0]
            await #expect(throws: (any Error).self) {
                try await database.transaction { db in
                    try await db.insert(into: "numbers", columns: ["n", "label"], from: rows) { n in
                        [[.int(n), .null]]
                    }
                }
            }
            let count = try await database.withSession { db in
                try await db.raw("SELECT COUNT(*) AS c FROM numbers").first(decodingColumn: "c", as: Int.self)
            }
            #expect(count == 0)
        }
    }

    @Test("batches of keys leave room for the binds of the rest of the statement", arguments: Engine.allCases)
    func reservedBinds(_ engine: Engine) async throws {
        try await TestDatabases.with(engine) { database, _ in
            try await database.withSession { db in
                let clause: SQLQueryString = "n IN (\(binds: [1, 2, 3])) AND label = \(bind: "x")"
                #expect(db.bindCount(of: clause) == 4)
                let keys = Array(0..<100_000)
                let batches = db.batches(of: keys, bindsPerItem: 1, reserving: 4)
                #expect(batches.allSatisfy { $0.count + 4 <= db.bindParameterLimit })
                #expect(batches.first?.count == db.bindParameterLimit - 4)
                #expect(Array(batches.joined()) == keys)
                #expect(db.batchSize(bindsPerItem: 4) == db.bindParameterLimit / 4)
            }
        }
    }
}
