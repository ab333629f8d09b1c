import BackendConfig
import BackendDatabase
import BackendTestSupport
import Foundation
import SQLKit
import Testing

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

    /// The rows travel as JSON text: every string must come back exactly as written, whatever it holds.
    @Test("strings are stored exactly as given, quotes, escapes and non-ASCII included", arguments: Engine.allCases)
    func stringsRoundTrip(_ engine: Engine) async throws {
        let labels = [
            "", " ", "plain", "quote \" and backslash \\", "tab\tnewline\ncarriage\r", "\u{01}\u{1F}\u{7F}",
            "snowman \u{2603} and \u{1F680}", "é (composed) e\u{301} (decomposed)", "'single' -- ; DROP TABLE numbers",
            "\\u0041 is not A", "[1,2]", "{\"a\":1}", "null", "1e5", "\u{2028}\u{2029}",
        ]
        try await TestDatabases.with(engine) { database, _ in
            try await database.migrate([Self.numbers])
            try await database.transaction { db in
                try await db.insert(into: "numbers", columns: ["label", "n"], from: labels.indices) { index in
                    [[.string(labels[index]), .int(index)]]
                }
            }
            let stored = try await database.withSession { db in
                try await db.select().column("label").from("numbers").orderBy("n")
                    .all(decodingColumn: "label", as: String.self)
            }
            #expect(stored == labels)
            #expect(stored.map { Array($0.utf8) } == labels.map { Array($0.utf8) })
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
