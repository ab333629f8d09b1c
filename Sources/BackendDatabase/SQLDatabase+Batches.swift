import BackendJSON
import NIOCore
import NIOPosix
import SQLKit

/// Statements that carry many rows or keys at once: rows in a form the engine parses itself (`COPY` on PostgreSQL, one
/// JSON parameter on SQLite), keys as many bind parameters in one `IN (…)` as the engine accepts.
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
    /// On PostgreSQL the rows go in with `COPY … FROM STDIN`; on SQLite they travel as JSON text, one bind parameter
    /// per statement, which SQLite unpacks with `jsonb_each` (``RowsInsert``). The statements are built on every core
    /// at once, a few ahead, while the one before runs; they run one after another, in order, on this database, so
    /// inside a transaction the rows are written all or none. Nothing runs for an empty `elements`. When there is more
    /// than one statement, `rows` runs on threads the insert starts for itself (one per core) rather than on Swift's
    /// cooperative pool, so long builds hold up no other task.
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
        let statement = RowsInsert(table: table, columns: columns, encoding: rowsEncoding)
        let chunks = elements.batches(of: RowsInsert.elementsPerStatement)
        // As many statements in the making as there are cores; each one that starts to run makes room for the next.
        // Built in rounds of that many instead, each round waiting for its slowest, a first load of 100,000 entities
        // took 9.2 s instead of 8.5 s on SQLite and 12.1 s instead of 11.8 s on PostgreSQL (BENCHMARKS.md, "Bulk
        // loads").
        let ahead = Swift.max(1, System.coreCount)
        guard chunks.count > 1 else {
            if let chunk = chunks.first, let sql = try statement.statement(for: chunk, rows) {
                try await execute(sql: sql) { _ in }
            }
            return
        }
        // The statements are built on threads of their own, not on Swift's cooperative pool: building one takes
        // milliseconds without a suspension point, and with every pool thread building, each step of running the
        // statement before (its result, the next `COPY`'s data) waited for a build to end. PostgreSQL then sat idle
        // 2.5 ms between statements (BENCHMARKS.md, "Bulk loads").
        let builders = NIOThreadPool(numberOfThreads: ahead)
        builders.start()
        do {
            try await insert(chunks, statement: statement, rows: rows, ahead: ahead, on: builders)
        } catch {
            try? await builders.shutdownGracefully()
            throw error
        }
        try await builders.shutdownGracefully()
    }

    private func insert<Chunk: Collection & Sendable>(
        _ chunks: [Chunk], statement: RowsInsert, rows: @escaping @Sendable (Chunk.Element) throws -> [[JSONValue]],
        ahead: Int, on builders: NIOThreadPool
    ) async throws {
        try await withThrowingTaskGroup(of: (Int, (any SQLExpression)?).self) { building in
            var nextToBuild = 0
            func buildNext() {
                let index = nextToBuild
                let chunk = chunks[index]
                nextToBuild += 1
                building.addTask {
                    (index, try await builders.runIfActive { try statement.statement(for: chunk, rows) })
                }
            }
            while nextToBuild < Swift.min(ahead, chunks.count) { buildNext() }
            // Statements come out of the group in any order and run in chunk order.
            var built: [Int: (any SQLExpression)?] = [:]
            for index in chunks.indices {
                while built[index] == nil {
                    guard let (done, sql) = try await building.next() else { return }
                    built[done] = .some(sql)
                }
                let sql = built.removeValue(forKey: index) ?? nil
                if nextToBuild < chunks.count { buildNext() }
                if let sql { try await execute(sql: sql) { _ in } }
            }
        }
    }

    /// How this database takes the rows of ``insert(into:columns:from:rows:)``: `COPY` on a PostgreSQL session of a
    /// ``PluginDatabase`` (whose connection can take it), JSON everywhere else.
    var rowsEncoding: RowsInsert.Encoding {
        switch Dialect(rawValue: dialect.name) {
        case .postgresql: copiesRows ? .copyText : .jsonObjects
        case .sqlite, nil: .jsonArrays
        }
    }

    /// Whether this database's statements reach a ``CopyingDatabase`` (through any wrappers).
    var copiesRows: Bool {
        if self is CopyingDatabase { return true }
        return (self as? any WrappingDatabase)?.base.copiesRows ?? false
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
