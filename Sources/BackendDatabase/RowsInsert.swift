import BackendJSON
import NIOCore
import SQLKit

/// One statement's worth of rows for ``SQLDatabase/insert(into:columns:from:rows:)``, in the form the engine takes
/// fastest.
///
/// Measured on PostgreSQL 15 with 1.3 million rows of the catalog's `search` table (BENCHMARKS.md, "Bulk loads"):
/// `COPY` took 0.9 s, `unnest` of text arrays 1.6 s, `json_populate_recordset` 2.9 s, and a bind parameter per value
/// more than either. SQLite has no `COPY`; it reads a JSON array of rows with `jsonb_each`, which takes each row from
/// its binary form instead of parsing its text again for every column.
struct RowsInsert: Sendable {
    /// How the rows are written.
    enum Encoding: Sendable {
        /// A JSON array of arrays in column order, one bind parameter, read with `jsonb_each` (SQLite).
        case jsonArrays
        /// A JSON array of objects keyed by column, one bind parameter, read with `json_populate_recordset`, which
        /// converts each value to its column's type (PostgreSQL without a ``CopyingDatabase``).
        case jsonObjects
        /// `COPY … FROM STDIN` text: tab-separated, one row per line, `\N` for `NULL` (PostgreSQL).
        case copyText
    }

    let table: String
    let columns: [String]
    let encoding: Encoding
    /// Each column's `"name":`, written before its value in ``Encoding/jsonObjects``.
    private let keys: [[UInt8]]

    /// The elements whose rows one statement carries: enough that a statement's own cost vanishes (a few megabytes
    /// for the catalog's widest rows), few enough that the statements built ahead stay small.
    static let elementsPerStatement = 1_024

    init(table: String, columns: [String], encoding: Encoding) {
        self.table = table
        self.columns = columns
        self.encoding = encoding
        self.keys = columns.map { Array((JSONValue.quoted($0) + ":").utf8) }
    }

    /// The statement inserting the rows `rows` gives for `elements`; nil when it gives none.
    func statement<Elements: Collection>(
        for elements: Elements, _ rows: (Elements.Element) throws -> [[JSONValue]]
    ) throws -> (any SQLExpression)? {
        var text: [UInt8] = []
        var count = 0
        for element in elements {
            for row in try rows(element) {
                precondition(row.count == columns.count, "\(row.count) values for \(columns.count) columns")
                append(row, to: &text, first: count == 0)
                count += 1
            }
        }
        guard count > 0 else { return nil }
        let names = SQLList(columns.map { SQLIdentifier($0) })
        switch encoding {
        case .copyText:
            return RowsCopy(table: table, columns: columns, rows: ByteBuffer(bytes: text))
        case .jsonObjects:
            let rows = "[" + String(decoding: text, as: UTF8.self) + "]"
            return SQLQueryString(
                """
                INSERT INTO \(ident: table) (\(names)) SELECT \(names) \
                FROM json_populate_recordset(NULL::\(ident: table), \(bind: rows)::json)
                """)
        case .jsonArrays:
            let rows = "[" + String(decoding: text, as: UTF8.self) + "]"
            let extracts = SQLList(columns.indices.map { SQLRaw("value ->> \($0)") })
            return SQLQueryString(
                "INSERT INTO \(ident: table) (\(names)) SELECT \(extracts) FROM jsonb_each(\(bind: rows))")
        }
    }

    private func append(_ row: [JSONValue], to text: inout [UInt8], first: Bool) {
        switch encoding {
        case .copyText:
            for (index, value) in row.enumerated() {
                if index > 0 { text.append(UInt8(ascii: "\t")) }
                Self.appendCopyField(value, to: &text)
            }
            text.append(UInt8(ascii: "\n"))
        case .jsonArrays, .jsonObjects:
            let keyed = encoding == .jsonObjects
            if !first { text.append(UInt8(ascii: ",")) }
            text.append(UInt8(ascii: keyed ? "{" : "["))
            for (index, value) in row.enumerated() {
                if index > 0 { text.append(UInt8(ascii: ",")) }
                if keyed { text.append(contentsOf: keys[index]) }
                value.write(into: &text)
            }
            text.append(UInt8(ascii: keyed ? "}" : "]"))
        }
    }

    /// `value` as a field of `COPY`'s text format: `\N` for `NULL`; a string, number or boolean as its text, and an
    /// array or object as its JSON, with backslash, newline, carriage return and tab escaped.
    private static func appendCopyField(_ value: JSONValue, to text: inout [UInt8]) {
        switch value {
        case .null:
            text.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "N")])
        case .string(let string):
            appendEscaped(string, to: &text)
        case .array, .object:
            appendEscaped(value.jsonText(), to: &text)
        case .bool, .int, .double:
            text.append(contentsOf: (value.scalarText ?? "").utf8)
        }
    }

    private static func appendEscaped(_ string: String, to text: inout [UInt8]) {
        var string = string
        string.withUTF8 { bytes in
            // Runs between escapes go in whole: byte by byte this was the largest single cost of building a `search`
            // statement.
            var start = 0
            for (index, byte) in bytes.enumerated() {
                let escaped: UInt8
                switch byte {
                case UInt8(ascii: "\\"): escaped = UInt8(ascii: "\\")
                case UInt8(ascii: "\n"): escaped = UInt8(ascii: "n")
                case UInt8(ascii: "\r"): escaped = UInt8(ascii: "r")
                case UInt8(ascii: "\t"): escaped = UInt8(ascii: "t")
                default: continue
                }
                text.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<index]))
                text.append(UInt8(ascii: "\\"))
                text.append(escaped)
                start = index + 1
            }
            text.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start...]))
        }
    }
}

/// Rows for `COPY table (columns) FROM STDIN` in its text format, run by a ``CopyingDatabase``; the wrappers between
/// it and the caller (deadline, cancellation) treat it as any other statement.
///
/// It has no SQL of its own: serialized anywhere else, it is a statement that fails saying so.
struct RowsCopy: SQLExpression {
    let table: String
    let columns: [String]
    /// Lines of tab-separated fields.
    let rows: ByteBuffer

    func serialize(to serializer: inout SQLSerializer) {
        serializer.write("SELECT CAST('rows for COPY reached a database that does not take COPY' AS integer)")
    }
}
