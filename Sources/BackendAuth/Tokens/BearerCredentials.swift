/// What an HTTP `Authorization` header value holds, as the route guard reads it: nothing, something that is not a
/// bearer token, or a bearer token.
///
/// The scheme is case-insensitive and may be surrounded by spaces or tabs; the token is what follows the first run
/// of blanks after it, without trailing blanks. Kept in `BackendAuth`, next to the verifier, so that the fuzz build
/// can drive header parsing and verification together without the HTTP stack.
///
/// ```swift
/// BearerCredentials.parse("Bearer abc")   // .bearer("abc")
/// BearerCredentials.parse("Basic dXNlcg") // .malformed
/// BearerCredentials.parse(nil)            // .missing
/// ```
public enum BearerCredentials: Sendable, Equatable {
    /// No header, or only blanks.
    case missing
    /// A header that is not `Bearer <token>`.
    case malformed
    /// A bearer token, not yet verified.
    case bearer(String)

    /// Parses a header value (`nil` when the request has no `Authorization` header).
    public static func parse(_ header: String?) -> BearerCredentials {
        guard var value = header else { return .missing }
        // Integer offsets into the contiguous UTF-8 bytes: String.UTF8View index arithmetic was most of this
        // function's cost in the HTTP benchmark's profile (BENCHMARKS.md).
        return value.withUTF8 { bytes -> BearerCredentials in
            func isBlank(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
            var start = 0
            var end = bytes.count
            while start < end, isBlank(bytes[start]) { start += 1 }
            while end > start, isBlank(bytes[end - 1]) { end -= 1 }
            guard start < end else { return .missing }
            var separator = start
            while separator < end, !isBlank(bytes[separator]) { separator += 1 }
            guard separator < end else { return .malformed }
            // ASCII case folding: `byte | 0x20` maps only `B`/`b` to `b` (and so on) for these letters.
            let bearer: StaticString = "bearer"
            guard separator - start == 6,
                bearer.withUTF8Buffer({ expected in (0..<6).allSatisfy { bytes[start + $0] | 0x20 == expected[$0] } })
            else { return .malformed }
            var tokenStart = separator
            while tokenStart < end, isBlank(bytes[tokenStart]) { tokenStart += 1 }
            guard tokenStart < end else { return .malformed }
            return .bearer(String(decoding: UnsafeBufferPointer(rebasing: bytes[tokenStart..<end]), as: UTF8.self))
        }
    }
}
