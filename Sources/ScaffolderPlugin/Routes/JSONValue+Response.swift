import BackendKit
import Foundation

extension JSONValue {
    /// The largest request body the scaffolder reads (1 MiB).
    static let maxBodyBytes = 1024 * 1024

    /// Reads the request body as a JSON object; anything else is a `ScaffolderError.invalidInput`.
    static func decodeObjectBody(of request: Request) async throws -> [String: JSONValue] {
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: maxBodyBytes)
        } catch {
            throw ScaffolderError.invalidInput("The request body is larger than \(maxBodyBytes) bytes")
        }
        guard
            let value = try? JSONDecoder().decode(JSONValue.self, from: Data(buffer.readableBytesView)),
            let object = value.objectValue
        else {
            throw ScaffolderError.invalidInput(
                "The request body must be a JSON object like {\"templateRef\": \"template:default/x\", \"values\": {}}")
        }
        return object
    }
}
