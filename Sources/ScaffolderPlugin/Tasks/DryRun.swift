import BackendKit
import Foundation

/// `POST /v2/dry-run`: runs a template given in the request, steps of actions that support dry run only, in a
/// workspace of its own that starts with the request's files, and answers with the log, the steps, the output and
/// the workspace's files. Nothing is stored: no task row, no event, and actions that would change anything outside
/// the workspace (`catalog:register`) are skipped with a log line.
struct DryRun: Sendable {
    /// Runs the steps.
    let steps: StepExecutor
    /// The limits of a task, which a dry run shares (`scaffolder.taskTimeout`, step count).
    let timeout: Duration
    /// The step count and input bounds.
    let limits: ScaffolderLimits
    /// The most bytes of `directoryContents` a dry run answers with (the request body limit bounds what comes in).
    var maxWorkspaceBytes = 8 * 1024 * 1024

    /// The request body `{template, values, secrets?, directoryContents?}`, checked.
    struct Request: Sendable {
        var template: TemplateDefinition
        var values: JSONObject
        var secrets: JSONObject
        var files: [TaskWorkspace.File]
    }

    /// What a dry run answers: the result, or the parameter problems as Backstage's `{errors}` (400).
    enum Outcome: Sendable {
        case ran(JSONValue)
        case invalidParameters([ParameterValidationError])
    }

    /// Checks the body of `POST /v2/dry-run`.
    ///
    /// - Throws: `InputError` with `Input template is not a template` when `template` is not a
    ///   `scaffolder.backstage.io/v1beta3` `Template` entity, or naming the malformed member.
    static func request(
        _ body: JSONValue, actions: ActionRegistry, limits: ScaffolderLimits
    ) throws(InputError)
        -> Request
    {
        guard let entity = body["template"], entity["apiVersion"] == "scaffolder.backstage.io/v1beta3",
            entity["kind"] == "Template"
        else { throw InputError("Input template is not a template") }
        let ref = TemplateRef(
            namespace: entity["metadata"]?["namespace"]?.stringValue ?? "default",
            name: entity["metadata"]?["name"]?.stringValue ?? "dry-run")
        let template = try TemplateDefinition(entity: entity, ref: ref)
        try template.checkRunnable(actions: actions, limits: limits)
        return Request(
            template: template, values: try ScaffolderRoutes.object(body["values"], "values"),
            secrets: try ScaffolderRoutes.object(body["secrets"], "secrets"),
            files: try files(body["directoryContents"]))
    }

    /// Runs `request` as `createdBy`.
    func run(_ request: Request, createdBy: String?) async throws -> Outcome {
        let values = request.template.applyingDefaults(to: request.values)
        let problems = request.template.validationErrors(of: values)
        guard problems.isEmpty else { return .invalidParameters(problems) }
        try request.template.checkRenderedSize(values: values, limits: limits)
        let workspace = try TaskWorkspace.create(taskId: "dry-run")
        defer { workspace.remove(logger: steps.logger) }
        try workspace.write(request.files)
        let reporter = MemoryReporter()
        let run = StepExecutor.Run(
            taskId: "dry-run", values: values, secrets: request.secrets, createdBy: createdBy,
            workspace: workspace.url, isDryRun: true)
        let (steps, timeout, template) = (self.steps, self.timeout, request.template)
        var result: JSONObject = [:]
        do {
            let output = try await withTimeout(timeout, orThrow: { TaskTimeoutError(timeout: timeout) }) {
                try await steps.run(template, run, reporter: reporter)
            }
            result["output"] = output ?? [:]
        } catch let error as InputError {
            throw error
        } catch {
            let reason = TaskRunner.reason(error)
            await reporter.fail(reason)
            result["output"] = [:]
            result["error"] = ["name": .string(TaskRunner.errorName(error)), "message": .string(reason)]
        }
        result["log"] = .array(reporter.lines)
        result["steps"] = .array(template.steps.map { reporter.step($0) })
        result["directoryContents"] = .array(try workspace.files(maxBytes: maxWorkspaceBytes).map(\.json))
        return .ran(.object(result))
    }

    private static func files(_ value: JSONValue?) throws(InputError) -> [TaskWorkspace.File] {
        guard let value, value != .null else { return [] }
        guard let elements = value.arrayValue else {
            throw InputError("'directoryContents' must be an array of {path, base64Content, executable?}")
        }
        var files: [TaskWorkspace.File] = []
        for (index, element) in elements.enumerated() {
            let field = "directoryContents[\(index)]"
            guard let path = element["path"]?.stringValue,
                let base64 = element["base64Content"]?.stringValue
            else { throw InputError("'\(field)' must be an object with the strings 'path' and 'base64Content'") }
            try TaskWorkspace.validate(path, field: "'\(field).path'")
            guard let content = Data(base64Encoded: base64) else {
                throw InputError("'\(field).base64Content' is not valid base64")
            }
            files.append(
                TaskWorkspace.File(path: path, content: content, executable: element["executable"] == .bool(true)))
        }
        return files
    }
}

/// Collects a dry run's log and step statuses in memory.
private final class MemoryReporter: StepReporter {
    private struct State {
        var lines: [JSONValue] = []
        var statuses: [String: String] = [:]
        var running: String?
    }
    private let state = NIOLockedValueBox(State())

    /// `[{body: {message, stepId?}}]`, Backstage's dry-run log.
    var lines: [JSONValue] { state.withLockedValue { $0.lines } }

    /// `{id, name, action, status}` of `step` (`open` when it never started).
    func step(_ step: TemplateStep) -> JSONValue {
        let status = state.withLockedValue { $0.statuses[step.id] } ?? "open"
        return [
            "id": .string(step.id), "name": .string(step.name), "action": .string(step.action),
            "status": .string(status),
        ]
    }

    func started(_ step: TemplateStep) async throws {
        state.withLockedValue {
            $0.statuses[step.id] = "processing"
            $0.running = step.id
        }
    }

    func skipped(_ step: TemplateStep) async throws {
        state.withLockedValue { $0.statuses[step.id] = "skipped" }
    }

    func completed(_ step: TemplateStep) async throws {
        state.withLockedValue {
            $0.statuses[step.id] = "completed"
            $0.running = nil
        }
    }

    func log(_ stepId: String?, _ level: String, _ message: String) async {
        var body: JSONObject = ["message": .string(message)]
        if let stepId { body["stepId"] = .string(stepId) }
        state.withLockedValue { $0.lines.append(["body": .object(body)]) }
    }

    /// Marks the running step failed and logs `Dry run failed: <reason>`.
    func fail(_ reason: String) async {
        let stepId = state.withLockedValue { state in
            if let running = state.running { state.statuses[running] = "failed" }
            return state.running
        }
        await log(stepId, "error", "Dry run failed: \(reason)")
    }
}
