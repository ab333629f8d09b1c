import BackendJSON
import NIOCore
import SQLKit

/// Statements that carry many rows or keys at once: rows as one JSON parameter per `INSERT`, keys as many bind
/// parameters in one `IN (…)` as the engine accepts.
///
/// One statement per row costs a round trip (and, on SQLite, a statement compile) per row, which dominates a bulk
/// write; one statement for everything can pass the most bind parameters the engine accepts in one statement.
/// These helpers cut a collection into the fewest statements that fit, whatever the engine:
///
/// ```swift
/// try await db.insert(into: "notes", columns: ["id", "body"], from: notes) { [[.string($0.id), .string($0.body)]] }
/// for ids in db.batches(of: allIds, bindsPerItem: 1) {
///     rows += try await db.select().column("body").from("notes").where("id", .in, Array(ids)).all()
/// }
/// ```
extension SQLDatabase {
    /// The most bind parameters one statement may carry on this database's engine.
    ///
    /// PostgreSQL's wire protocol counts a statement's parameters in 16 bits: 65,535. SQLite's
    /// `SQLITE_MAX_VARIABLE_NUMBER` defaults to 32,766 since 3.32.0 (999 before); sqlite-nio compiles its copy with a
    /// higher one, but staying within the default keeps the sizes right for any SQLite build. An engine not known here
    /// gets SQLite's figure, the smaller one.
    public var bindParameterLimit: Int {
        switch Dialect(rawValue: dialect.name) {
        case .postgresql: 65_535
        case .sqlite, nil: 32_766
        }
    }

    /// The most items of `bindsPerItem` bind parameters each that fit in one statement beside `reserved` other
    /// parameters (those of the rest of the statement); at least 1.
    ///
    /// - Precondition: `bindsPerItem` is at least 1.
    public func batchSize(bindsPerItem: Int, reserving reserved: Int = 0) -> Int {
        precondition(bindsPerItem > 0, "an item of a batch binds at least one parameter")
        return Swift.max(1, (bindParameterLimit - Swift.max(0, reserved)) / bindsPerItem)
    }

    /// `items` cut into consecutive slices, in order, each as large as one statement allows when every item binds
    /// `bindsPerItem` parameters and the rest of the statement binds `reserved` (``batchSize(bindsPerItem:reserving:)``).
    ///
    /// ```swift
    /// for keys in db.batches(of: refs, bindsPerItem: 1) {
    ///     found += try await db.select().columns("*").from("entities").where("entity_ref", .in, Array(keys)).all()
    /// }
    /// ```
    public func batches<Items: Collection>(
        of items: Items, bindsPerItem: Int, reserving reserved: Int = 0
    ) -> [Items.SubSequence] {
        items.batches(of: batchSize(bindsPerItem: bindsPerItem, reserving: reserved))
    }

    /// Inserts the rows each element of `elements` gives into `table`: `rows` turns an element into zero or more
    /// rows, each its values in the order of `columns` (`.null` for `NULL`).
    ///
    /// The rows travel as JSON text, one bind parameter per statement, which the engine unpacks itself: SQLite with
    /// `json_each`, PostgreSQL with `json_populate_recordset`, which converts each value to its column's type. The
    /// statements are built on every core at once, a few ahead, while the one before runs; they run one after another,
    /// in order, on this database, so inside a transaction the rows are written all or none. Nothing runs for an empty
    /// `elements`.
    ///
    /// Measured (BENCHMARKS.md, "Bulk loads"): binding a parameter per value cost more than running the statements;
    /// building them cost more than running them on SQLite even once they carried JSON.
    ///
    /// ```swift
    /// try await db.insert(into: "documents", columns: ["position", "body"], from: bodies.indices) { index in
    ///     [[.int(index), .string(bodies[index])]]
    /// }
    /// ```
    ///
    /// - Precondition: `columns` is not empty, and every row has exactly one value per column.
    public func insert<Elements: Collection & Sendable>(
        into table: String, columns: [String], from elements: Elements,
        rows: @escaping @Sendable (Elements.Element) throws -> [[JSONValue]]
    ) async throws where Elements.SubSequence: Sendable {
        precondition(!columns.isEmpty, "an INSERT names at least one column")
        let statement = JSONRowsInsert(table: table, columns: columns, dialect: Dialect(rawValue: dialect.name))
        let chunks = elements.batches(of: JSONRowsInsert.elementsPerStatement)
        let lanes = Swift.max(1, System.coreCount)
        // The statements of `chunks[range]`, built at once, in order; nil for a chunk that gives no rows.
        @Sendable func build(_ range: Range<Int>) async throws -> [SQLQueryString] {
            try await withThrowingTaskGroup(of: (Int, SQLQueryString?).self) { building in
                for index in range {
                    let chunk = chunks[index]
                    building.addTask { (index, try statement.sql(for: chunk, rows)) }
                }
                var built = [SQLQueryString?](repeating: nil, count: range.count)
                for try await (index, sql) in building { built[index - range.lowerBound] = sql }
                return built.compactMap { $0 }
            }
        }
        var start = Swift.min(lanes, chunks.count)
        var ready = try await build(0..<start)
        while !ready.isEmpty || start < chunks.count {
            let upcoming = start..<Swift.min(start + lanes, chunks.count)
            start = upcoming.upperBound
            async let following = upcoming.isEmpty ? [] : build(upcoming)
            for sql in ready {
                try await execute(sql: sql) { _ in }
            }
            ready = try await following
        }
    }

    /// How many bind parameters `expression` carries on this database (its serialized binds), for the `reserving`
    /// of ``batches(of:bindsPerItem:reserving:)`` when a batch shares its statement with a clause such as a
    /// sub-select.
    public func bindCount(of expression: any SQLExpression) -> Int {
        var serializer = SQLSerializer(database: self)
        expression.serialize(to: &serializer)
        return serializer.binds.count
    }
}

extension Collection {
    /// The collection cut into consecutive slices of `size` elements, in order (the last one may be shorter);
    /// none for an empty collection.
    ///
    /// ```swift
    /// Array(1...5).batches(of: 2)  // [[1, 2], [3, 4], [5]]
    /// ```
    ///
    /// - Precondition: `size` is at least 1.
    public func batches(of size: Int) -> [SubSequence] {
        precondition(size > 0, "a batch holds at least one element")
        var slices: [SubSequence] = []
        slices.reserveCapacity((count + size - 1) / size)
        var start = startIndex
        while start != endIndex {
            let end = index(start, offsetBy: size, limitedBy: endIndex) ?? endIndex
            slices.append(self[start..<end])
            start = end
        }
        return slices
    }
}

/// `INSERT INTO table (columns) SELECT … FROM <the rows' JSON>`: one bind parameter, a JSON array of rows, which
/// SQLite reads with `json_each` (each row an array, in column order) and PostgreSQL with `json_populate_recordset`
/// (each row an object keyed by column, typed by the table's row type).
struct JSONRowsInsert: Sendable {
    let table: String
    let columns: [String]
    /// Whether the rows are objects (PostgreSQL) rather than arrays (SQLite, and an engine not known here).
    let keyed: Bool
    /// Each column's `"name":` on PostgreSQL, written before its value.
    private let keys: [[UInt8]]

    /// The elements whose rows one statement carries: enough that a statement's own cost vanishes (a few megabytes of
    /// JSON for the catalog's widest rows), few enough that the statements built ahead stay small.
    static let elementsPerStatement = 1_024

    init(table: String, columns: [String], dialect: Dialect?) {
        self.table = table
        self.columns = columns
        self.keyed = dialect == .postgresql
        self.keys = columns.map { Array((JSONValue.quoted($0) + ":").utf8) }
    }

    /// The statement inserting the rows `rows` gives for `elements`; nil when it gives none.
    func sql<Elements: Collection>(
        for elements: Elements, _ rows: (Elements.Element) throws -> [[JSONValue]]
    ) throws -> SQLQueryString? {
        var text: [UInt8] = [UInt8(ascii: "[")]
        for element in elements {
            for row in try rows(element) {
                precondition(row.count == columns.count, "\(row.count) values for \(columns.count) columns")
                if text.count > 1 { text.append(UInt8(ascii: ",")) }
                text.append(UInt8(ascii: keyed ? "{" : "["))
                for (index, value) in row.enumerated() {
                    if index > 0 { text.append(UInt8(ascii: ",")) }
                    if keyed { text.append(contentsOf: keys[index]) }
                    value.write(into: &text)
                }
                text.append(UInt8(ascii: keyed ? "}" : "]"))
            }
        }
        guard text.count > 1 else { return nil }
        text.append(UInt8(ascii: "]"))
        let rows = String(decoding: text, as: UTF8.self)
        let names = SQLList(columns.map { SQLIdentifier($0) })
        if keyed {
            return """
                INSERT INTO \(ident: table) (\(names)) SELECT \(names) \
                FROM json_populate_recordset(NULL::\(ident: table), \(bind: rows)::json)
                """
        }
        let extracts = SQLList(columns.indices.map { SQLRaw("value ->> \($0)") })
        return "INSERT INTO \(ident: table) (\(names)) SELECT \(extracts) FROM jsonb_each(\(bind: rows))"
    }
}
