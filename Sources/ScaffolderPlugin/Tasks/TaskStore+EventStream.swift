import BackendKit
import Foundation

/// Where an event stream is in a task's log: the position of the last event sent (an event id) and, once a read
/// found it, that event's row, so that the next read starts from an index instead of skipping rows.
struct TaskEventCursor: Sendable, Equatable {
    /// The id of the last event sent (0: none).
    var position: Int
    /// The `task_events.id` of that event, when known.
    var row: Int?

    /// Before the event after `position` (`?after=`).
    init(after position: Int) {
        self.position = position
        self.row = nil
    }
}

/// What one read of the event stream found.
struct TaskEventBatch: Sendable {
    /// The events after the cursor, in order (at most the read's limit).
    let events: [TaskEvent]
    /// The cursor after them.
    let cursor: TaskEventCursor
    /// Whether the task had finished before this read and it found every event left: nothing more will come (the
    /// completion event, normally among `events` or sent earlier, ends a stream first).
    let isFinished: Bool
}

extension TaskStore {
    /// The events of task `id` after `cursor`, at most `limit` of them, or nil when the task is not kept.
    ///
    /// The status is read before the events: a task that had finished then had stored its completion event with
    /// its final status (one transaction), so an empty read of a finished task means its log is complete.
    func events(of id: String, after cursor: TaskEventCursor, limit: Int) async throws -> TaskEventBatch? {
        try await database.withSession { db in
            guard
                let before = try await db.select().column("status").from("tasks").where("id", .equal, id)
                    .first(decodingColumn: "status", as: String.self)
            else { return nil }
            var select = db.select().columns("id", "event_type", "body").from("task_events")
                .where("task_id", .equal, id)
            if let row = cursor.row {
                select = select.where("id", .greaterThan, row)
            }
            select = select.orderBy("id").limit(limit)
            if cursor.row == nil, cursor.position > 0 {
                select = select.offset(cursor.position)
            }
            let rows = try await select.all()
            var finalStatus = TaskStatus(rawValue: before).flatMap { $0.isFinal ? $0 : nil }
            if finalStatus == nil, !rows.isEmpty {
                // A completion event read here was stored with the final status: read it again.
                finalStatus = try await db.select().column("status").from("tasks").where("id", .equal, id)
                    .first(decodingColumn: "status", as: String.self).flatMap(TaskStatus.init(rawValue:))
                    .flatMap { $0.isFinal ? $0 : nil }
            }
            let decoder = JSONDecoder()
            var next = cursor
            var events: [TaskEvent] = []
            events.reserveCapacity(rows.count)
            for row in rows {
                let entry = try decoder.decode(
                    TaskLogEntry.self, from: Data(try row.decode(column: "body", as: String.self).utf8))
                next.position += 1
                next.row = try row.decode(column: "id", as: Int.self)
                events.append(
                    TaskEvent(
                        id: next.position, taskId: id, entry: entry,
                        type: try row.decode(column: "event_type", as: String.self), finalStatus: finalStatus))
            }
            let isFinished = TaskStatus(rawValue: before)?.isFinal == true && rows.count < limit
            return TaskEventBatch(events: events, cursor: next, isFinished: isFinished)
        }
    }

    /// The `task_events.id` of the last event of each of `taskIds` that has events (a new event changes it; so does
    /// the task's removal): what the event streams' watcher polls.
    func lastEventRows(of taskIds: [String]) async throws -> [String: Int] {
        guard !taskIds.isEmpty else { return [:] }
        return try await database.withSession { db in
            var result: [String: Int] = [:]
            for chunk in db.batches(of: taskIds, bindsPerItem: 1) {
                let rows = try await db.select().column("task_id")
                    .column(SQLFunction("MAX", args: SQLColumn("id")), as: "last").from("task_events")
                    .where("task_id", .in, Array(chunk)).groupBy("task_id").all()
                for row in rows {
                    result[try row.decode(column: "task_id", as: String.self)] = try row.decode(
                        column: "last", as: Int.self)
                }
            }
            return result
        }
    }
}
