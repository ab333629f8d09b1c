import Foundation

extension JSONEncoder {
    /// A `JSONEncoder` with the framework's one set of settings, for every `Encodable` it writes (response bodies,
    /// calls to other plugins, stored documents, event streams): members sorted by name, slashes unescaped and dates
    /// in ISO 8601, so the same value always gives the same bytes, read like Backstage's
    /// (`"/catalog/default/component/x"`) and like what Hummingbird writes.
    ///
    /// A ``JSONValue`` needs none of it: its own writer (`jsonBuffer`, `jsonText(options: .sortedKeys)`) writes the
    /// same bytes faster.
    ///
    /// ```swift
    /// let body = try JSONEncoder.backend().encode(summary)   // {"id":"…","links":["/a/b"]}
    /// ```
    public static func backend() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }
}
