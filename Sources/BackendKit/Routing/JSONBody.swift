import Foundation
import Hummingbird
import NIOCore

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
    /// A ``JSONValue`` is written by its own writer (``JSONValue/jsonBuffer``), which produces the same bytes as
    /// `JSONEncoder` at a fraction of the cost; other values go through `JSONEncoder`.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let body: ByteBuffer
        if let json = value as? JSONValue {
            body = json.jsonBuffer
        } else {
            body = ByteBuffer(bytes: try JSONEncoder.backend().encode(value))
        }
        return EncodedJSONBody(body, status: status).response(from: request, context: context)
    }
}

extension JSONValue {
    /// The value as the bytes of a JSON response body: compact, members sorted (``JSONWriteOptions/sortedKeys``).
    public var jsonBuffer: ByteBuffer {
        ByteBuffer(bytes: jsonBytes(options: .sortedKeys))
    }
}

extension Request {
    /// The default limit of ``decodeJSONBody(limit:expecting:malformedMessage:)``: 1 MiB.
    public static let defaultJSONBodyLimit = 1024 * 1024

    /// Reads the body as JSON, or throws an ``InputError`` a caller can act on.
    ///
    /// The body is read up to `limit` bytes and no further, so a hostile client cannot make the plugin buffer more.
    /// Errors: `The request body is larger than <limit> bytes`, `The request body is empty; expected <expecting>`,
    /// `The request body is not valid JSON`. A route with its own wording for the last two passes
    /// `malformedMessage`, which then replaces both.
    ///
    /// ```swift
    /// routes.post("/entities") { request, _ in
    ///     let entity = try await request.decodeJSONBody(expecting: "a JSON entity")
    ///     …
    /// }
    /// ```
    public func decodeJSONBody(
        limit: Int = Request.defaultJSONBodyLimit, expecting description: String = "a JSON document",
        malformedMessage: String? = nil
    ) async throws -> JSONValue {
        var request = self
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: limit)
        } catch {
            throw InputError("The request body is larger than \(limit) bytes")
        }
        guard buffer.readableBytes > 0 else {
            throw InputError(malformedMessage ?? "The request body is empty; expected \(description)")
        }
        do {
            return try JSONValue(parsing: buffer.readableBytesView)
        } catch {
            throw InputError(malformedMessage ?? "The request body is not valid JSON")
        }
    }
}
