import BackendKit
import Foundation

/// `GET /v2/tasks/:id/eventstream?after=<id>`: the task's events as Server-Sent Events, as Backstage serves them.
///
/// The body is `event: <type>\ndata: <event JSON>\n\n` per event (``TaskEvent``), from the event after `after` (all
/// of them without it), and ends after the `completion` event. Events stored later, by this replica or another,
/// follow as the ``TaskEventWatcher`` finds them (it polls the database every 200 ms). An idle stream gets a comment
/// line (`: keep-alive`) every ``keepAliveInterval`` so that proxies do not close it.
///
/// A stream ends, and unsubscribes from the watcher, when the client goes away (the host cancels the request then),
/// when the task is no longer kept, and when the server begins to drain at shutdown (a client resumes elsewhere with
/// `after`), so it never holds the drain.
struct EventStream: Sendable {
    /// Where tasks live.
    let store: TaskStore
    /// Wakes the stream when its task may have new events.
    let watcher: TaskEventWatcher
    /// The longest silence before a comment line: 15 s by default (`scaffolder.eventsKeepAliveInterval`).
    let keepAliveInterval: Duration
    /// Events read from the database at a time.
    var batchSize = 100

    /// The comment line of an idle stream.
    static let keepAlive = ByteBuffer(string: ": keep-alive\n\n")

    /// The response for task `id` after event `after`: 404 (thrown) when the task is not kept, else `200` with the
    /// stream as its body.
    func response(for id: String, after: Int?) async throws -> Response {
        guard try await store.status(of: id) != nil else {
            throw NotFoundError("Task with id '\(id)' does not exist")
        }
        let headers: HTTPFields = [.contentType: "text/event-stream", .cacheControl: "no-cache"]
        let body = ResponseBody { writer in
            // The host cancels a request whose client has gone: the wait ends, and nothing is left running for it.
            try await self.send(id, after: after ?? 0, to: &writer)
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }

    /// Writes the events of task `id` after `after` to `writer` until the completion event, the task's removal, the
    /// server's drain or cancellation.
    private func send(_ id: String, after: Int, to writer: inout any ResponseBodyWriter) async throws {
        let subscription = watcher.subscribe(id)
        defer { watcher.unsubscribe(subscription) }
        try await withGracefulShutdownHandler {
            var cursor = TaskEventCursor(after: after)
            var nextKeepAlive = ContinuousClock.now + keepAliveInterval
            while !Task.isShuttingDownGracefully, !Task.isCancelled {
                // Every event stored so far, in batches; the loop ends on the completion event or a removed task.
                while true {
                    guard let batch = try await store.events(of: id, after: cursor, limit: batchSize) else { return }
                    cursor = batch.cursor
                    if !batch.events.isEmpty {
                        var buffer = ByteBuffer()
                        for event in batch.events {
                            buffer.writeString("event: \(event.type)\ndata: ")
                            buffer.writeBytes(event.json.jsonBytes())
                            buffer.writeString("\n\n")
                        }
                        try await writer.write(buffer)
                        nextKeepAlive = ContinuousClock.now + keepAliveInterval
                    }
                    if batch.isFinished || batch.events.contains(where: { $0.type == TaskEvent.completionType }) {
                        return
                    }
                    if batch.events.count < batchSize { break }
                }
                if ContinuousClock.now >= nextKeepAlive {
                    try await writer.write(Self.keepAlive)
                    nextKeepAlive = ContinuousClock.now + keepAliveInterval
                }
                guard !Task.isShuttingDownGracefully else { return }
                await subscription.wake.wait(upTo: nextKeepAlive - ContinuousClock.now)
            }
        } onGracefulShutdown: {
            subscription.wake.signal()
        }
    }
}
