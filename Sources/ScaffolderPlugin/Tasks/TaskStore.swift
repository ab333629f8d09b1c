import BackendKit
import Foundation

/// The scaffolder's in-memory task table. Keeps the most recent `capacity` tasks, dropping the
/// oldest finished ones first.
actor TaskStore {
    private struct Entry {
        var task: ScaffolderTask
        let template: TemplateDefinition
    }

    private var entries: [String: Entry] = [:]
    private var order: [String] = []
    private let capacity: Int

    /// A store that keeps at most `capacity` tasks (at least 1).
    init(capacity: Int = 1000) {
        self.capacity = max(1, capacity)
    }

    /// Records a new `open` task for `template` with `values` and returns it.
    func create(template: TemplateDefinition, values: JSONObject) -> ScaffolderTask {
        let now = ISO8601Timestamp.now()
        let task = ScaffolderTask(
            id: UUID().uuidString.lowercased(), templateRef: template.ref.description, values: values, status: .open,
            createdAt: now, lastHeartbeatAt: now, completedAt: nil,
            steps: template.steps.map {
                TaskStep(id: $0.id, name: $0.name, action: $0.action, status: .open, startedAt: nil, endedAt: nil)
            },
            log: [
                TaskLogEntry(createdAt: now, stepId: nil, level: "info", message: "Task created for \(template.ref)")
            ],
            output: nil, error: nil)
        entries[task.id] = Entry(task: task, template: template)
        order.append(task.id)
        evictIfNeeded()
        return task
    }

    /// The task with this id, if it is still kept.
    func task(_ id: String) -> ScaffolderTask? {
        entries[id]?.task
    }

    /// The template a task runs.
    func template(forTask id: String) -> TemplateDefinition? {
        entries[id]?.template
    }

    /// Every kept task in creation order, optionally only those with `status`.
    func list(status: TaskStatus? = nil) -> [ScaffolderTask] {
        order.compactMap { entries[$0]?.task }.filter { status == nil || $0.status == status }
    }

    /// Applies `change` to the task and refreshes its heartbeat; returns the updated task.
    @discardableResult
    func update(_ id: String, _ change: @Sendable (inout ScaffolderTask) -> Void) -> ScaffolderTask? {
        guard var entry = entries[id] else { return nil }
        change(&entry.task)
        entry.task.lastHeartbeatAt = ISO8601Timestamp.now()
        entries[id] = entry
        return entry.task
    }

    /// Appends a log line and returns it.
    @discardableResult
    func appendLog(_ id: String, stepId: String?, level: String = "info", message: String) -> TaskLogEntry {
        let entry = TaskLogEntry(createdAt: ISO8601Timestamp.now(), stepId: stepId, level: level, message: message)
        update(id) { $0.log.append(entry) }
        return entry
    }

    private func evictIfNeeded() {
        while order.count > capacity {
            let victim = order.firstIndex { entries[$0]?.task.status.isFinal ?? true } ?? 0
            entries.removeValue(forKey: order[victim])
            order.remove(at: victim)
        }
    }
}
