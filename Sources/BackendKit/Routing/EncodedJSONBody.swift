import Hummingbird

/// A JSON response whose bytes were encoded earlier, for bodies a plugin serves many times and changes rarely.
///
/// Encoding a document on every read is most of a read route's cost; a plugin that keeps immutable documents
/// can encode each once (``JSONValue/jsonBuffer``) and serve the stored bytes, as Backstage's catalog serves the
/// stored text of its final entities. The bytes are sent as they are, with the same `Content-Type` as
/// ``JSONBody``.
///
/// ```swift
/// let body = entity.jsonBuffer  // once, when the entity is stored
/// routes.get("/entity") { _, _ in EncodedJSONBody(body) }
/// ```
public struct EncodedJSONBody: ResponseGenerator, Sendable {
    /// The encoded JSON.
    public let buffer: ByteBuffer
    /// The response status.
    public let status: HTTPResponse.Status

    /// A body of `buffer`, which must hold JSON, with `status` (200 by default).
    public init(_ buffer: ByteBuffer, status: HTTPResponse.Status = .ok) {
        self.buffer = buffer
        self.status = status
    }

    /// The response; the buffer is shared, not copied.
    public func response(from request: Request, context: some RequestContext) -> Response {
        Response(status: status, headers: Self.headers, body: ResponseBody(byteBuffer: buffer))
    }

    /// `Content-Type: application/json; charset=utf-8`, shared by every JSON response (bodies, errors, health).
    static let headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
}
