import BackendKit
import Foundation

extension JSONValue {
    /// The largest request body the catalog reads (4 MiB).
    static let maxBodyBytes = 4 * 1024 * 1024

    /// Reads the request body as JSON; a missing or malformed body is a `CatalogError.invalidInput`.
    static func decodeBody(of request: Request) async throws -> JSONValue {
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: maxBodyBytes)
        } catch {
            throw CatalogError.invalidInput("The request body is larger than \(maxBodyBytes) bytes")
        }
        guard buffer.readableBytes > 0 else {
            throw CatalogError.invalidInput("The request body is empty; expected a JSON entity")
        }
        do {
            return try JSONDecoder().decode(JSONValue.self, from: Data(buffer.readableBytesView))
        } catch {
            throw CatalogError.invalidInput("The request body is not valid JSON")
        }
    }
}
