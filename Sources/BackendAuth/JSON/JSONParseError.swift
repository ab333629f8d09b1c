/// Why ``StrictJSONParser`` refused a document.
enum JSONParseError: Error, Equatable {
    /// The bytes are not well-formed UTF-8.
    case invalidUTF8
    /// Arrays/objects nest deeper than the limit.
    case tooDeep(limit: Int)
    /// The document has more values than the limit (members and elements at any depth).
    case tooManyValues(limit: Int)
    /// An object has the same member name twice (after unescaping; compared by UTF-8 bytes).
    case duplicateMember(String)
    /// Anything else that is not RFC 8259 JSON: a description and the byte offset.
    case syntax(String, offset: Int)

    /// A short description (the duplicate name is not included; callers quote it safely).
    var detail: String {
        switch self {
        case .invalidUTF8: "not valid UTF-8"
        case .tooDeep(let limit): "nested deeper than \(limit) levels"
        case .tooManyValues(let limit): "more than \(limit) values"
        case .duplicateMember: "duplicate member name"
        case .syntax(let message, let offset): "\(message) at byte \(offset)"
        }
    }
}
