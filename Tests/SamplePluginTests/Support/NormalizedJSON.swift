import Foundation

/// Re-serializes a JSON text with sorted keys, to compare bodies regardless of member order.
func normalizedJSON(_ text: String) -> String {
    guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed]),
        let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .fragmentsAllowed])
    else { return text }
    return String(decoding: data, as: UTF8.self)
}
