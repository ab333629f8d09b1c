extension JSONValue {
    /// The deepest nesting of arrays and objects ``init(parsing:)-(String)`` reads, as `JSONDecoder` allows:
    /// deeper text is refused rather than risk the stack.
    public static let maximumParsingDepth = 512

    /// Parses JSON text (RFC 8259), keeping object members in the order the text writes them.
    ///
    /// A repeated member name keeps its first position and takes its last value, as JavaScript's `JSON.parse`
    /// does. Integral numbers that fit in `Int` become `.int` (`3`, `3.0` and `3e0` alike), other numbers
    /// `.double`; a number too large for a `Double` is an error.
    ///
    /// ```swift
    /// let entity = try JSONValue(parsing: #"{"kind":"Component","metadata":{"name":"web"}}"#)
    /// entity.objectValue?.keys  // ["kind", "metadata"], as written
    /// ```
    ///
    /// - Throws: ``JSONParsingError`` naming the problem and its byte offset.
    public init(parsing text: String) throws(JSONParsingError) {
        var text = text
        // A native Swift string is valid UTF-8 already.
        let parsed = text.withUTF8 { bytes in
            Result { () throws(JSONParsingError) -> JSONValue in try JSONParser.parse(bytes, validatedUTF8: true) }
        }
        self = try parsed.get()
    }

    /// Parses JSON bytes (UTF-8, RFC 8259), keeping object members in order; see ``init(parsing:)-(String)``.
    ///
    /// ```swift
    /// let body = try JSONValue(parsing: buffer.readableBytesView)   // or Data, or [UInt8]
    /// ```
    ///
    /// - Throws: ``JSONParsingError`` naming the problem (invalid UTF-8 included) and its byte offset.
    public init(parsing bytes: some Collection<UInt8>) throws(JSONParsingError) {
        let parsed = bytes.withContiguousStorageIfAvailable { buffer in
            Result { () throws(JSONParsingError) -> JSONValue in try JSONParser.parse(buffer, validatedUTF8: false) }
        }
        if let parsed {
            self = try parsed.get()
        } else {
            let copied = Array(bytes).withUnsafeBufferPointer { buffer in
                Result { () throws(JSONParsingError) -> JSONValue in try JSONParser.parse(buffer, validatedUTF8: false)
                }
            }
            self = try copied.get()
        }
    }
}

/// Why a text is not JSON: what was wrong, and where.
///
/// ```swift
/// do { _ = try JSONValue(parsing: "[1,]") } catch { print(error) }  // unexpected character at byte 3
/// ```
public struct JSONParsingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong, such as `unexpected character` or `unterminated string`.
    public let reason: String
    /// The byte offset in the text where the problem starts.
    public let offset: Int

    /// An error at `offset`.
    public init(reason: String, offset: Int) {
        self.reason = reason
        self.offset = offset
    }

    /// `<reason> at byte <offset>`.
    public var description: String { "\(reason) at byte \(offset)" }
}
