import BackendKit
import Foundation
import ScaffolderActions

/// Where a run of a template's steps reports its progress: the task store for a task, memory for a dry run.
protocol StepReporter: Sendable {
    /// `step` starts now.
    func started(_ step: TemplateStep) async throws
    /// `step` is skipped (its `if` is false, or a dry run cannot run its action).
    func skipped(_ step: TemplateStep) async throws
    /// `step` ended well.
    func completed(_ step: TemplateStep) async throws
    /// A line for the task log (`stepId` nil for the task's own lines).
    func log(_ stepId: String?, _ level: String, _ message: String) async
}

/// Runs a template's steps in order with the registered actions: renders each step's input from the parameters and
/// the earlier steps' outputs, evaluates its `if`, runs the action with an ``ActionContext`` and renders the
/// template's `output` at the end. The same code runs a stored task (``TaskRunner``) and a dry run (``DryRun``);
/// only the ``StepReporter`` differs.
struct StepExecutor: Sendable {
    /// The actions steps may use.
    let actions: ActionRegistry
    /// A client for other plugins, for actions (calls go out as the scaffolder).
    let client: ServiceClient
    /// The scaffolder's logger, for actions' operator logs.
    let logger: Logger
    /// The longest rendered input of one step, in bytes (`scaffolder.maxStepInputBytes`).
    let maxStepInputBytes: Int

    /// What one run is about.
    struct Run: Sendable {
        /// The task's id (`dry-run` for a dry run).
        var taskId: String
        /// The parameter values, defaults applied.
        var values: JSONObject
        /// Secrets for actions; never stored.
        var secrets: JSONObject = [:]
        /// The subject of the task's creator.
        var createdBy: String?
        /// The task's workspace directory.
        var workspace: URL
        /// Whether only actions that support dry run run.
        var isDryRun = false
    }

    /// Runs every step of `template`; returns the rendered `output` (nil when the template has none).
    ///
    /// - Throws: ``StepFailure`` when an action throws; `InputError` when a step's input or `if` cannot be rendered;
    ///   ``ActionError`` for an unknown action; what `reporter` throws.
    func run(_ template: TemplateDefinition, _ run: Run, reporter: some StepReporter) async throws -> JSONValue? {
        var outputs: [String: JSONObject] = [:]
        for step in template.steps {
            try Task.checkCancellation()
            let renderer = TemplateRenderer(
                parameters: run.values, stepOutputs: outputs, maxBytes: maxStepInputBytes)
            if let condition = step.condition, try !renderer.isTruthy(condition, of: step) {
                try await reporter.skipped(step)
                await reporter.log(step.id, "info", "Skipping step \(step.name) because its if condition was false")
                continue
            }
            guard let action = actions.action(step.action) else {
                throw ActionError("Step '\(step.id)' uses the unknown action '\(step.action)'")
            }
            if run.isDryRun, !action.supportsDryRun {
                try await reporter.skipped(step)
                await reporter.log(step.id, "info", "Skipping because \(action.id) does not support dry-run")
                continue
            }
            try await reporter.started(step)
            await reporter.log(step.id, "info", "Beginning step \(step.name) (\(step.action))")
            let input = try renderer.input(of: step)
            var stepLogger = logger
            stepLogger[metadataKey: "task"] = .string(run.taskId)
            stepLogger[metadataKey: "step"] = .string(step.id)
            let context = ActionContext(
                taskId: run.taskId, stepId: step.id, input: input, secrets: run.secrets, createdBy: run.createdBy,
                workspace: run.workspace, logger: stepLogger, client: client, isDryRun: run.isDryRun,
                log: { message in await reporter.log(step.id, "info", message) })
            do {
                try await action.handle(context)
            } catch {
                throw StepFailure(stepName: step.name, underlying: error)
            }
            outputs[step.id] = context.outputs
            try await reporter.completed(step)
            await reporter.log(step.id, "info", "Finished step \(step.name)")
        }
        guard let output = template.output else { return nil }
        return try TemplateRenderer(parameters: run.values, stepOutputs: outputs, maxBytes: maxStepInputBytes)
            .render(output, as: TemplateRenderer.outputSubject)
    }
}

/// A step's action threw; carries the step name for the reason.
struct StepFailure: Error {
    /// The name of the step that failed.
    let stepName: String
    /// What the action threw.
    let underlying: any Error
}
