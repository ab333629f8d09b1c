import AsyncHTTPClient
import BackendJSON
import BackendKit
import BackendRuntime
import BackendTestSupport
import Foundation
import NIOHTTP1
import Testing

@testable import ScaffolderPlugin

/// `GET /v2/tasks/:id/eventstream` on live hosts, on SQLite (one host) and PostgreSQL (the stream on replica A, the
/// task on replica B): every event in order ending on completion, resuming with `after`, keep-alive comments,
/// dropped streams leaving nothing behind, and the end of a stream when its host drains.
@Suite("Scaffolder event stream on a live host", .serialized)
struct EventStreamTests {
    typealias API = ScaffolderTaskAPITests

    /// The token of `alice`.
    static let token = API.tokens["alice"]

    /// The event stream of task `id` on `host`, after `after`.
    static func url(_ host: RunningBackend, _ id: String, after: Int? = nil) -> String {
        host.url("scaffolder", "/v2/tasks/\(id)/eventstream" + (after.map { "?after=\($0)" } ?? ""))
    }

    /// The events of task `id` as `GET /v2/tasks/:id/events` answers them, re-serialized with sorted keys.
    static func storedEvents(_ host: RunningBackend, _ id: String) async throws -> [String] {
        let events = try await HTTP.send(.GET, host.url("scaffolder", "/v2/tasks/\(id)/events"), token: token)
        #expect(events.status == 200)
        return events.array.map { event in
            let data = (try? JSONSerialization.data(withJSONObject: event, options: [.sortedKeys])) ?? Data()
            return String(decoding: data, as: UTF8.self)
        }
    }

    /// The `value`th percentile (0…1) of `samples`, sorted.
    static func percentile(_ samples: [Double], _ value: Double) -> Double {
        let sorted = samples.sorted()
        guard !sorted.isEmpty else { return .nan }
        return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * value).rounded()))]
    }

    @Test(
        "a stream on A receives every event of a task run on B, in order, ends on completion, within 1 s of each",
        arguments: Engine.allCases)
    func everyEvent(_ engine: Engine) async throws {
        try await API.withHosts(engine) { a, b in
            let id = try await API.submit(a, "steps")
            let opened = Date()
            var stream = try await EventStreamClient.open(Self.url(a, id), token: Self.token)
            #expect(stream.status == 200)
            #expect(stream.headers.first(name: "Content-Type") == "text/event-stream")
            #expect(stream.headers.first(name: "Cache-Control") == "no-cache")
            let events = try await stream.events()
            // The body ended after the completion event, and nothing came after it.
            #expect(events.last?.type == "completion")
            #expect(
                events.last?.object["body"] as? [String: String] == [
                    "message": "Task completed", "status": "completed",
                ])
            let ids: [Int?] = events.map(\.id)
            #expect(ids == (1...max(1, events.count)).map { Optional($0) })
            // Created, started, three lines per step, completed.
            let expectedCount = 33
            #expect(events.count == expectedCount, "\(events.map(\.data))")
            for event in events {
                #expect(event.type == event.object["type"] as? String)
                #expect(Set(event.object.keys) == ["id", "taskId", "body", "type", "createdAt"])
                #expect(event.raw == "event: \(event.type ?? "")\ndata: \(event.data)\n\n")
            }
            let first = try #require(events.first)
            #expect(first.object["taskId"] as? String == id && first.type == "log")
            #expect(
                first.object["body"] as? [String: String] == ["message": "Task created for template:default/steps"])
            // Exactly what the events route answers, from either replica.
            let streamed = events.map { event in
                let data = (try? JSONSerialization.data(withJSONObject: event.object, options: [.sortedKeys])) ?? Data()
                return String(decoding: data, as: UTF8.self)
            }
            #expect(streamed == (try await Self.storedEvents(b, id)))

            // Events written on B after the stream opened reached A within 1 s each.
            let latencies = events.compactMap { event -> Double? in
                guard let created = event.createdAt, created > opened else { return nil }
                return event.receivedAt.timeIntervalSince(created) * 1000
            }
            #expect(latencies.count >= 20)
            let (p50, p99) = (Self.percentile(latencies, 0.5), Self.percentile(latencies, 0.99))
            #expect(latencies.allSatisfy { $0 < 1000 }, "latencies (ms): \(latencies)")
            print("event stream latency across replicas (\(engine)): p50 \(p50) ms, p99 \(p99) ms")
        }
    }

    @Test(
        "?after= resumes the stream after that event; 400 for a bad value, 404 for an unknown task",
        arguments: Engine.allCases)
    func resume(_ engine: Engine) async throws {
        try await API.withHosts(engine, scaffolder: ["concurrentTasksLimit": 1]) { a, b in
            // A finished task: the events after 3, then the end; after the last event, an empty body at once.
            let done = try await API.submit(a, "quick")
            try await API.waitFor(a, done, "completed")
            let all = try await Self.storedEvents(a, done)
            var tail = try await EventStreamClient.open(Self.url(a, done, after: 3), token: Self.token)
            let rest = try await tail.events()
            let restIds: [Int?] = rest.map(\.id)
            #expect(restIds == (4...all.count).map { Optional($0) } && rest.last?.type == "completion")
            var past = try await EventStreamClient.open(Self.url(a, done, after: all.count), token: Self.token)
            #expect(past.status == 200)
            #expect(try await past.next() == nil)

            // A running task: a stream dropped after the wait began, resumed with its last id, gets the rest.
            let running = try await API.submit(a, "wait")
            var first = try await EventStreamClient.open(Self.url(a, running), token: Self.token)
            let seen = try await first.events {
                $0.message == "Waiting 30000 ms"
            }
            let last = try #require(seen.last?.id)
            let seenIds: [Int?] = seen.map(\.id)
            #expect(seenIds == (1...last).map { Optional($0) })
            var resumed = try await EventStreamClient.open(Self.url(a, running, after: last), token: Self.token)
            let cancelled = try await HTTP.send(
                .POST, b.url("scaffolder", "/v2/tasks/\(running)/cancel"), token: Self.token)
            #expect(cancelled.status == 200)
            let after = try await resumed.events()
            #expect(after.map(\.type) == ["cancelled", "completion"])
            #expect(after.map(\.id) == [last + 1, last + 2])
            #expect(
                after.map { $0.object["body"] as? [String: String] } == [
                    ["message": "Step wait has been cancelled.", "stepId": "wait", "status": "cancelled"],
                    ["message": "Task cancelled", "status": "cancelled"],
                ])

            let unknown = try await HTTP.send(.GET, Self.url(a, "nope"), token: Self.token)
            #expect(
                unknown.body
                    == errorBody(
                        name: "NotFoundError", message: "Task with id 'nope' does not exist", method: "GET",
                        url: "/v2/tasks/nope/eventstream", status: 404))
            let bad = try await HTTP.send(
                .GET, a.url("scaffolder", "/v2/tasks/\(done)/eventstream?after=-1"), token: Self.token)
            #expect(
                bad.body
                    == errorBody(
                        name: "InputError",
                        message: "Invalid after '-1', expected a non-negative integer (an event id)", method: "GET",
                        url: "/v2/tasks/\(done)/eventstream?after=-1", status: 400))
            let anonymous = try await HTTP.send(.GET, Self.url(a, done), token: nil)
            #expect(anonymous.status == 401)
        }
    }

    @Test("an idle stream gets a comment line every scaffolder.eventsKeepAliveInterval", arguments: Engine.allCases)
    func keepAlive(_ engine: Engine) async throws {
        try await API.withHosts(engine, scaffolder: ["eventsKeepAliveInterval": ["milliseconds": 300]]) { a, _ in
            let running = try await API.submit(a, "wait")
            var stream = try await EventStreamClient.open(Self.url(a, running), token: Self.token)
            _ = try await stream.events {
                $0.message == "Waiting 30000 ms"
            }
            var comments: [ServerSentMessage] = []
            while comments.count < 3, let message = try await stream.next() {
                #expect(message.type == nil, "no event while the step waits: \(message.raw)")
                comments.append(message)
            }
            #expect(comments.map(\.raw) == Array(repeating: ": keep-alive\n\n", count: 3))
            // Spaced by about the interval, not sent in a burst.
            let gaps = zip(comments.dropFirst(), comments).map { $0.receivedAt.timeIntervalSince($1.receivedAt) }
            #expect(gaps.allSatisfy { $0 > 0.2 && $0 < 1.0 }, "\(gaps)")
            let cancelled = try await HTTP.send(
                .POST, a.url("scaffolder", "/v2/tasks/\(running)/cancel"), token: Self.token)
            #expect(cancelled.status == 200)
            #expect(try await stream.events().last?.type == "completion")
        }
    }

    /// Rounds of ``latencyBenchmark(_:)``, from `SCAFFOLDER_EVENT_BENCH_ROUNDS` (the benchmark is off without it).
    static let benchmarkRounds = Int(ProcessInfo.processInfo.environment["SCAFFOLDER_EVENT_BENCH_ROUNDS"] ?? "") ?? 0

    /// The delay of each event of task `id` created after `since` (receipt minus `createdAt`, in ms) on a stream.
    static func streamLatencies(_ host: RunningBackend, _ id: String, since: Date) async throws -> [Double] {
        var stream = try await EventStreamClient.open(Self.url(host, id), token: Self.token)
        return try await stream.events().compactMap { event in
            guard let created = event.createdAt, created > since else { return nil }
            return event.receivedAt.timeIntervalSince(created) * 1000
        }
    }

    /// The same through `GET /v2/tasks/:id/events?after=` polled back to back (Backstage's long poll).
    static func longPollLatencies(_ host: RunningBackend, _ id: String, since: Date) async throws -> [Double] {
        var after = 0
        var latencies: [Double] = []
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        while true {
            let answer = try await HTTP.send(
                .GET, host.url("scaffolder", "/v2/tasks/\(id)/events?after=\(after)"), token: token)
            let received = Date()
            for event in answer.array {
                after = event["id"] as? Int ?? after
                if let text = event["createdAt"] as? String, let created = formatter.date(from: text), created > since {
                    latencies.append(received.timeIntervalSince(created) * 1000)
                }
                if event["type"] as? String == "completion" { return latencies }
            }
        }
    }

    @Test(
        "benchmark: event latency on a stream on the other replica, on the running replica, and by long poll",
        .enabled(if: benchmarkRounds > 0), arguments: Engine.allCases)
    func latencyBenchmark(_ engine: Engine) async throws {
        try await API.withHosts(engine) { a, b in
            var rows: [(String, Double, Double)] = []
            for round in 1...Self.benchmarkRounds {
                let id = try await API.submit(a, "steps")
                let since = Date()
                async let other = Self.streamLatencies(a, id, since: since)
                async let running = Self.streamLatencies(b, id, since: since)
                async let polled = Self.longPollLatencies(a, id, since: since)
                let (otherReplica, runningReplica, longPoll) = try await (other, running, polled)
                for (name, samples) in [
                    ("stream on A", otherReplica), ("stream on B", runningReplica), ("long poll on A", longPoll),
                ] {
                    let row = (name, Self.percentile(samples, 0.5), Self.percentile(samples, 0.99))
                    rows.append(row)
                    print("round \(round) \(engine) \(name): n=\(samples.count) p50 \(row.1) ms p99 \(row.2) ms")
                }
            }
            for name in ["stream on A", "stream on B", "long poll on A"] {
                let mine = rows.filter { $0.0 == name }
                print(
                    "median over \(Self.benchmarkRounds) rounds \(engine) \(name): "
                        + "p50 \(Self.percentile(mine.map(\.1), 0.5)) ms p99 \(Self.percentile(mine.map(\.2), 0.5)) ms")
            }
        }
    }

    /// `scaffolder_event_streams` as the metrics listener of `host` reports it.
    static func openStreams(_ host: RunningBackend) async throws -> Int? {
        let port = try #require(host.metricsPort)
        let metrics = try await HTTP.send(.GET, "http://127.0.0.1:\(port)/metrics")
        let line = metrics.body.split(separator: "\n").first { $0.hasPrefix("scaffolder_event_streams ") }
        return line.flatMap { Double($0.split(separator: " ").last ?? "") }.map { Int($0) }
    }

    @Test(
        "100 streams dropped mid-task leave nothing behind: the open-streams gauge returns to 0",
        arguments: Engine.allCases)
    func droppedStreams(_ engine: Engine) async throws {
        let client = HTTPClient(
            eventLoopGroupProvider: .singleton,
            configuration: HTTPClient.Configuration(
                connectionPool: .init(idleTimeout: .seconds(10), concurrentHTTP1ConnectionsPerHostSoftLimit: 128)))
        do {
            try await dropStreams(engine, client: client)
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }

    /// The body of ``droppedStreams(_:)``, with its own HTTP client (128 connections to a host).
    func dropStreams(_ engine: Engine, client: HTTPClient) async throws {
        try await API.withHosts(engine, metrics: true) { a, b in
            let before = try await Self.openStreams(a)
            #expect(before == 0)
            let running = try await API.submit(a, "wait")
            let (opened, source) = AsyncStream<Void>.makeStream()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<100 {
                    group.addTask {
                        var stream = try await EventStreamClient.open(
                            Self.url(a, running), token: Self.token, client: client)
                        _ = try await stream.events { $0.id == 1 }
                        source.yield()
                        // Reads on (nothing comes while the step waits) until dropped.
                        while try await stream.next() != nil {}
                    }
                }
                var count = 0
                for await _ in opened {
                    count += 1
                    if count == 100 { break }
                }
                let allOpen = try await eventually { try await Self.openStreams(a) == 100 }
                #expect(allOpen)
                group.cancelAll()
                // A dropped request ends in the client's cancellation error: what each task ends with is not the point.
                while await group.nextResult() != nil {}
            }
            let start = ContinuousClock.now
            let allClosed = try await eventually(timeout: .seconds(10)) { try await Self.openStreams(a) == 0 }
            #expect(allClosed)
            print("100 dropped streams unsubscribed in \(ContinuousClock.now - start) (\(engine))")
            let cancelled = try await HTTP.send(
                .POST, b.url("scaffolder", "/v2/tasks/\(running)/cancel"), token: Self.token)
            #expect(cancelled.status == 200)
        }
    }

    @Test(
        "a stream ends when its host begins to drain at shutdown, well within the grace period",
        arguments: Engine.allCases)
    func shutdown(_ engine: Engine) async throws {
        try await API.withHosts(engine) { a, _ in
            let running = try await API.submit(a, "wait")
            var stream = try await EventStreamClient.open(Self.url(a, running), token: Self.token)
            _ = try await stream.events {
                $0.message == "Waiting 30000 ms"
            }
            let start = ContinuousClock.now
            await a.shutdown()
            let rest = try await stream.events()
            let ended = ContinuousClock.now - start
            #expect(rest.isEmpty)
            // The hosts' grace period is 2 s: a stream that held the drain would end only when it ran out.
            #expect(ended < .seconds(1), "the stream ended \(ended) after shutdown began")
        }
    }

    /// Before, the long poll ended early only once the host's background work stopped, which comes after the server's
    /// drain, and the drain waited for the poll: a shutdown took the poll's whole timeout (30 s).
    @Test(
        "a long poll ends with [] when its host begins to drain, not at its 30 s timeout", arguments: Engine.allCases)
    func longPollShutdown(_ engine: Engine) async throws {
        try await API.withHosts(
            engine, replicas: false, backendSection: ["lifecycle": ["serverShutdownDelay": "1s"]],
            plugin: ScaffolderPlugin()
        ) { a, _ in
            let running = try await API.submit(a, "wait")
            #expect(
                try await eventually {
                    let log =
                        try await HTTP.send(.GET, a.url("scaffolder", "/v2/tasks/\(running)"), token: Self.token)
                        .json["log"] as? [[String: Any]] ?? []
                    return log.contains { $0["message"] as? String == "Waiting 30000 ms" }
                })
            let count = try await HTTP.send(
                .GET, a.url("scaffolder", "/v2/tasks/\(running)/events"), token: Self.token
            ).array.count
            // The server keeps serving for the 1 s shutdown delay: the poll starts inside it and waits for the drain.
            let start = ContinuousClock.now
            async let stopped: Void = a.shutdown()
            let polled = try await HTTP.send(
                .GET, a.url("scaffolder", "/v2/tasks/\(running)/events?after=\(count)"), token: Self.token)
            let waited = ContinuousClock.now - start
            await stopped
            #expect(polled.status == 200)
            #expect(polled.array.isEmpty)
            #expect(waited < .seconds(10), "the poll ended \(waited) after shutdown began")
        }
    }
}
