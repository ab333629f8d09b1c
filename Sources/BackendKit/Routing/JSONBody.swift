import Foundation
import Hummingbird

/// A JSON response with sorted keys and unescaped slashes, so bodies are deterministic and read
/// like Backstage's (`"/catalog/default/component/x"`).
///
/// ```swift
/// routes.get("/entities") { _, _ in JSONBody(entities) }
/// ```
public struct JSONBody<Value: Encodable & Sendable>: ResponseGenerator {
    /// What to encode.
    public let value: Value
    /// The response status.
    public let status: HTTPResponse.Status

    /// A body for `value` with `status` (200 by default).
    public init(_ value: Value, status: HTTPResponse.Status = .ok) {
        self.value = value
        self.status = status
    }

    /// Encodes the value.
    ///
    /// A ``JSONValue`` is written by its own writer (``JSONValue/writeJSON(into:)``), which produces the same
    /// bytes as `JSONEncoder` at a fraction of the cost; other values go through `JSONEncoder`.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let body: ByteBuffer
        if let json = value as? JSONValue {
            body = json.jsonBuffer
        } else {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            body = ByteBuffer(bytes: try encoder.encode(value))
        }
        return EncodedJSONBody(body, status: status).response(from: request, context: context)
    }
}
