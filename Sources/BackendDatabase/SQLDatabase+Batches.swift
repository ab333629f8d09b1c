import SQLKit

/// Statements sized by the engine's bind-parameter limit: many rows in one `INSERT`, many keys in one `IN (…)`.
///
/// One statement per row costs a round trip (and, on SQLite, a statement compile) per row, which dominates a bulk
/// write; one statement for everything can pass the most bind parameters the engine accepts in one statement.
/// These helpers cut a collection into the fewest slices whose binds fit, whatever the engine:
///
/// ```swift
/// try await db.insert(into: "notes", columns: ["id", "body"], rows: notes) { [$0.id, $0.body] }
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

    /// Inserts one row per element of `rows` into `table`, as few multi-row `INSERT` statements as the engine's
    /// bind-parameter limit allows; `values` gives an element's values in the order of `columns`, each sent as one
    /// bind parameter (`nil` for `NULL`).
    ///
    /// The statements run one after another on this database: inside a transaction, the rows are written all or
    /// none. While one runs, the next is built, so the engine and the caller's CPU work overlap. Nothing runs for an
    /// empty `rows`.
    ///
    /// ```swift
    /// try await db.insert(into: "documents", columns: ["position", "body"], rows: bodies.enumerated()) {
    ///     [$0.offset, $0.element]
    /// }
    /// ```
    ///
    /// - Precondition: `columns` is not empty, and `values` gives exactly one value per column.
    @inlinable
    public func insert<Rows: Sequence>(
        into table: String, columns: [String], rows: Rows,
        values: (Rows.Element) throws -> [any Encodable & Sendable]
    ) async throws {
        precondition(!columns.isEmpty, "an INSERT names at least one column")
        let size = batchSize(bindsPerItem: columns.count)
        try await withThrowingTaskGroup(of: Void.self) { running in
            var pending: [any Encodable & Sendable] = []
            pending.reserveCapacity(size * columns.count)
            var inFlight = false
            for row in rows {
                let binds = try values(row)
                precondition(binds.count == columns.count, "\(binds.count) values for \(columns.count) columns")
                pending.append(contentsOf: binds)
                guard pending.count == size * columns.count else { continue }
                // One statement at a time on the session: the previous one ends before this one starts.
                if inFlight { try await running.next() }
                let statement = MultiRowInsert(table: table, columns: columns, values: pending)
                running.addTask { try await self.execute(sql: statement) { _ in } }
                inFlight = true
                pending.removeAll(keepingCapacity: true)
            }
            if inFlight { try await running.next() }
            if !pending.isEmpty {
                try await execute(sql: MultiRowInsert(table: table, columns: columns, values: pending)) { _ in }
            }
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

/// `INSERT INTO table (columns) VALUES (…), (…), …` of row-major `values`, one bind parameter each: the statement
/// SQLKit's insert builder writes, without a bind expression and a list node per value (for a bulk load, building the
/// statement cost as much as running it).
@usableFromInline
struct MultiRowInsert: SQLExpression {
    let table: String
    let columns: [String]
    let values: [any Encodable & Sendable]

    @usableFromInline
    init(table: String, columns: [String], values: [any Encodable & Sendable]) {
        self.table = table
        self.columns = columns
        self.values = values
    }

    @usableFromInline
    func serialize(to serializer: inout SQLSerializer) {
        serializer.write("INSERT INTO ")
        SQLIdentifier(table).serialize(to: &serializer)
        serializer.write(" (")
        for (index, column) in columns.enumerated() {
            if index > 0 { serializer.write(", ") }
            SQLIdentifier(column).serialize(to: &serializer)
        }
        serializer.write(") VALUES ")
        for (index, value) in values.enumerated() {
            if index.isMultiple(of: columns.count) {
                serializer.write(index == 0 ? "(" : "), (")
            } else {
                serializer.write(", ")
            }
            serializer.write(bind: value)
        }
        serializer.write(")")
    }
}
