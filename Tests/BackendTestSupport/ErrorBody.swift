import Foundation

/// Backstage's JSON error body, written out by hand as a user sees it (members in Backstage's order), to compare a
/// whole response body with; independent of the host's own renderer, so that a change there shows.
///
/// ```swift
/// #expect(response.text == errorBody(name: "NotFoundError", message: "no such thing", url: "/missing", status: 404))
/// ```
public func errorBody(name: String, message: String, method: String = "GET", url: String, status: Int) -> String {
    func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
    return "{\"error\":{\"name\":\(quoted(name)),\"message\":\(quoted(message))},"
        + "\"request\":{\"method\":\(quoted(method)),\"url\":\(quoted(url))},"
        + "\"response\":{\"statusCode\":\(status)}}"
}
