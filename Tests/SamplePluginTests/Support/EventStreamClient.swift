import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// One message of a Server-Sent Events body, as a test reads it.
struct ServerSentMessage: Sendable {
    /// `event:`, or nil for a comment.
    let type: String?
    /// `data:` (the JSON of the event), or the comment text.
    let data: String
    /// The message exactly as it was sent, with its blank line.
    let raw: String
    /// When the test read it (the wall clock, to compare with an event's `createdAt`).
    let receivedAt: Date

    /// The event's JSON object (empty for a comment).
    var object: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(data.utf8))) as? [String: Any] ?? [:]
    }

    /// The event's `body.message`.
    var message: String? { (object["body"] as? [String: Any])?["message"] as? String }

    /// The event's `id`.
    var id: Int? { object["id"] as? Int }

    /// The event's `createdAt` as a date.
    var createdAt: Date? {
        guard let text = object["createdAt"] as? String else { return nil }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }
}

/// A `GET …/eventstream` response read message by message as the server sends it.
struct EventStreamClient {
    /// The response status.
    let status: Int
    /// The response headers.
    let headers: HTTPHeaders
    private var iterator: HTTPClientResponse.Body.AsyncIterator
    private var pending = ""

    /// Opens `url` with `token` through `client`.
    static func open(_ url: String, token: String?, client: HTTPClient = .shared) async throws -> EventStreamClient {
        var request = HTTPClientRequest(url: url)
        if let token, !token.isEmpty { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        let response = try await client.execute(request, timeout: .seconds(120))
        return EventStreamClient(
            status: Int(response.status.code), headers: response.headers, iterator: response.body.makeAsyncIterator())
    }

    private init(status: Int, headers: HTTPHeaders, iterator: HTTPClientResponse.Body.AsyncIterator) {
        self.status = status
        self.headers = headers
        self.iterator = iterator
    }

    /// The next message, or nil when the body has ended.
    mutating func next() async throws -> ServerSentMessage? {
        while true {
            if let end = pending.range(of: "\n\n") {
                let raw = String(pending[..<end.upperBound])
                pending.removeSubrange(..<end.upperBound)
                var type: String?
                var data: [String] = []
                var comment: [String] = []
                for line in raw.split(separator: "\n") {
                    if line.hasPrefix("event: ") {
                        type = String(line.dropFirst(7))
                    } else if line.hasPrefix("data: ") {
                        data.append(String(line.dropFirst(6)))
                    } else if line.hasPrefix(":") {
                        comment.append(String(line.dropFirst()).trimmingCharacters(in: .whitespaces))
                    }
                }
                return ServerSentMessage(
                    type: type, data: type == nil ? comment.joined(separator: "\n") : data.joined(separator: "\n"),
                    raw: raw, receivedAt: Date())
            }
            guard let buffer = try await iterator.next() else {
                return nil
            }
            pending += String(buffer: buffer)
        }
    }

    /// Every event (comments left out) until the body ends.
    mutating func events() async throws -> [ServerSentMessage] {
        var events: [ServerSentMessage] = []
        while let message = try await next() {
            if message.type != nil { events.append(message) }
        }
        return events
    }

    /// Events until one satisfies `condition` (included), or the body ends.
    mutating func events(until condition: (ServerSentMessage) -> Bool) async throws -> [ServerSentMessage] {
        var events: [ServerSentMessage] = []
        while let message = try await next() {
            guard message.type != nil else { continue }
            events.append(message)
            if condition(message) { break }
        }
        return events
    }
}
