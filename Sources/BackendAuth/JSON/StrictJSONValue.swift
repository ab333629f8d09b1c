/// A JSON value as parsed by ``StrictJSONParser``. Objects keep member order; member names are
/// unique (the parser refuses duplicates).
///
/// Not `indirect`: arrays and objects already store their elements out of line, and an indirect
/// enum would box every string and number (five heap allocations per token verification).
enum StrictJSONValue: Equatable, Sendable {
    /// One `name: value` pair of an object.
    struct Member: Equatable, Sendable {
        /// The unescaped member name.
        var name: String
        /// The member value.
        var value: StrictJSONValue
    }

    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([StrictJSONValue])
    case object([Member])

    /// The value of member `name` when this is an object that has it (names compare by UTF-8 bytes,
    /// as the parser's duplicate check does).
    subscript(member name: String) -> StrictJSONValue? {
        guard case .object(let members) = self else { return nil }
        for member in members where UTF8Name.equal(member.name, name) { return member.value }
        return nil
    }

    /// A JSON type name for messages: `null`, `boolean`, `number`, `string`, `array` or `object`.
    var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }
}
