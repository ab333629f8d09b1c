import BackendTesting
import Foundation
import NIOCore

/// The body of a kit response as Foundation JSON, for this repository's assertions that dig into it with
/// `as? [String: Any]` (the kit's own `json` is a `JSONValue`).
extension BackendTestResponse {
    /// The body parsed as a JSON object (empty when it is not one).
    public var object: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any] ?? [:]
    }

    /// The body parsed as a JSON array of objects (empty when it is not one).
    public var array: [[String: Any]] {
        (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [[String: Any]] ?? []
    }
}
