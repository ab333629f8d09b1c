import BackendKit

/// The scaffolder's HTTP API under `/api/scaffolder` (every route requires a server token).
///
/// | route | does |
/// |---|---|
/// | `GET /v2/actions` | `[{id, description, examples?, schema: {input, output}}]`: the built-in actions and those other plugins contributed |
/// | `POST /v2/dry-run` | `{template, values, secrets?, directoryContents?}` → `{log, steps, output, directoryContents}` (and `error` when a step failed): runs the template's steps whose actions support dry run, stores nothing; 400 `Input template is not a template`, 400 `{errors}` for parameters that fail the template's schema |
/// | `POST /v2/tasks` | `{templateRef, values}` → 201 `{id}`; 400 on missing/invalid values or a template over the step bounds, 404 for an unknown template, 429 when the caller has `scaffolder.maxOpenTasksPerCaller` unfinished tasks, 503 when the catalog cannot be asked or `scaffolder.maxTasks` tasks are unfinished (both with `Retry-After`) |
/// | `GET /v2/tasks?createdBy=…&status=…&order=<asc\|desc>:<field>&limit=…&offset=…` | `{tasks: [{id, spec, status, createdAt, lastHeartbeatAt, createdBy}], totalTasks}`: the tasks of any of the given creators and statuses (each repeatable), sorted by each `order` (`created_at`, `status`, `created_by`) then in creation order, `limit` of them (100 by default, at most `scaffolder.maxPageSize`) from `offset`, and how many match in all; 400 for a bad value (Backstage's messages) or a page over `scaffolder.maxResponseBytes` |
/// | `GET /v2/tasks/:id` | the task with its status, steps, log, output or error |
/// | `POST /v2/tasks/:id/cancel` | `{"status":"cancelled"}`: an `open` or `processing` task ends `cancelled` (its running step is stopped within a second, on whichever replica runs it); 404 for an unknown id, 409 for a finished task |
/// | `GET /v2/tasks/:id/events?after=…` | the log as Backstage-style events after event `after` (all without it); when there are none yet, waits for the first new one (up to 30 s, polling the database) and answers `[]` if none comes |
/// | `GET /v2/tasks/:id/eventstream?after=…` | the same events as Server-Sent Events (`event: <type>\ndata: <JSON>\n\n`), then each new one as any replica stores it, ending after `completion`; a `: keep-alive` comment every 15 s of silence; 404 for an unknown id |
struct ScaffolderRoutes: Sendable {
    /// Where tasks live.
    let store: TaskStore
    /// Runs tasks; woken when one is submitted here.
    let worker: TaskWorker
    /// The catalog (templates are fetched at submit time).
    let catalog: any CatalogAPI
    /// The actions steps may use.
    let actions: ActionRegistry
    /// The plugin's logger.
    let logger: Logger
    /// Answers `GET /v2/tasks/:id/events`.
    let longPoll: EventLongPoll
    /// Answers `GET /v2/tasks/:id/eventstream`.
    let eventStream: EventStream
    /// Answers `POST /v2/dry-run`.
    let dryRun: DryRun

    /// Adds the routes.
    func add(to routes: PluginRoutes) {
        routes.get("/v2/actions") { _, _ in
            JSONBody(actions.listing)
        }
        routes.post("/v2/dry-run") { request, context in
            let body = try await request.decodeJSONBody(
                malformedMessage: #"The request body must be a JSON object like {"template": {…}, "values": {}}"#)
            let checked = try DryRun.request(body, actions: actions, limits: store.limits)
            switch try await dryRun.run(checked, createdBy: context.caller.subject) {
            case .ran(let result):
                return JSONBody(result)
            case .invalidParameters(let errors):
                return JSONBody(JSONValue.object(["errors": .array(errors.map(\.json))]), status: .badRequest)
            }
        }
        routes.post("/v2/tasks") { request, context in
            let id = try await submit(try await Self.submission(request), createdBy: context.caller.subject)
            return JSONBody(JSONValue.object(["id": .string(id)]), status: .created)
        }
        routes.get("/v2/tasks") { request, _ in
            let query = request.uri.queryParameters
            let filters = try TaskListQuery(parameters: query.map { (String($0.key), String($0.value)) })
            let limit = try pageSize(query["limit"].map(String.init))
            let offset = try Self.offset(query["offset"].map(String.init))
            return EncodedJSONBody(try await store.page(filters, offset: offset, limit: limit))
        }
        routes.get("/v2/tasks/:id") { _, context in
            JSONBody(try await task(context))
        }
        routes.post("/v2/tasks/:id/cancel") { _, context in
            let id = try context.pathParameter("id")
            switch try await store.cancel(id) {
            case .cancelled:
                worker.runner.metrics.ended(.cancelled)
                logger.info("Cancelled task \(id)")
                return JSONBody(JSONValue.object(["status": .string(TaskStatus.cancelled.rawValue)]))
            case .notFound:
                throw NotFoundError("Task with id '\(id)' does not exist")
            case .finished(let status):
                throw ConflictError(
                    "Task with id '\(id)' has already finished (\(status.rawValue)); only an open or processing task "
                        + "can be cancelled")
            }
        }
        routes.get("/v2/tasks/:id/events") { request, context in
            let id = try context.pathParameter("id")
            let after = try Self.after(request.uri.queryParameters["after"].map(String.init))
            guard let events = try await longPoll.events(of: id, after: after) else {
                throw NotFoundError("Task with id '\(id)' does not exist")
            }
            return JSONBody(events)
        }
        routes.get("/v2/tasks/:id/eventstream") { request, context in
            let id = try context.pathParameter("id")
            let after = try Self.after(request.uri.queryParameters["after"].map(String.init))
            return try await eventStream.response(for: id, after: after)
        }
    }

    /// Validates a submission against its template and stores the task as `open`, recording the caller's subject
    /// as its creator; returns its id.
    func submit(_ body: JSONObject, createdBy: String? = nil) async throws -> String {
        guard let refText = body["templateRef"]?.stringValue, !refText.isEmpty else {
            throw InputError(
                "'templateRef' is required and must be a string like 'template:default/x'")
        }
        let given = try Self.object(body["values"], "values")
        let ref = try TemplateRef.parse(refText)
        // A full queue refuses before the catalog is asked: a flood of refused submissions stays cheap.
        try await store.checkAdmission(createdBy: createdBy)
        let entity: JSONValue?
        do {
            entity = try await catalog.entity(kind: "template", namespace: ref.namespace, name: ref.name)
        } catch {
            throw ServiceUnavailableError("Could not fetch template '\(ref)' from the catalog: \(error)")
        }
        guard let entity else {
            throw NotFoundError("Template '\(ref)' was not found in the catalog")
        }
        let template = try TemplateDefinition(entity: entity, ref: ref)
        try template.checkRunnable(actions: actions, limits: store.limits)
        let values = template.applyingDefaults(to: given)
        let problems = template.problems(with: values)
        guard problems.isEmpty else {
            throw InputError(
                "Invalid parameters for template '\(ref)': \(problems.joined(separator: "; "))")
        }
        try template.checkRenderedSize(values: values, limits: store.limits)
        let task = try await store.create(template: template, values: values, createdBy: createdBy)
        logger.info("Created task \(task.id) for \(ref)")
        worker.wake()
        return task.id
    }

    /// The body of `POST /v2/tasks` as an object (at most 1 MiB, the toolkit's default limit).
    private static func submission(_ request: Request) async throws -> JSONObject {
        let malformed =
            #"The request body must be a JSON object like {"templateRef": "template:default/x", "values": {}}"#
        let body = try await request.decodeJSONBody(malformedMessage: malformed)
        guard let object = body.objectValue else { throw InputError(malformed) }
        return object
    }

    private func task(_ context: BackendRequestContext) async throws -> ScaffolderTask {
        let id = try context.pathParameter("id")
        guard let task = try await store.task(id) else {
            throw NotFoundError("Task with id '\(id)' does not exist")
        }
        return task
    }

    /// `limit`: ``ScaffolderLimits/defaultPageSize`` when absent, else an integer from 0 to `scaffolder.maxPageSize`.
    private func pageSize(_ text: String?) throws(InputError) -> Int {
        let limits = store.limits
        guard let text, !text.isEmpty else { return limits.defaultPageSize }
        guard let value = Int(text), value >= 0 else {
            throw InputError("Invalid limit '\(text)', expected an integer from 0 to \(limits.maxPageSize)")
        }
        guard value <= limits.maxPageSize else {
            throw InputError(
                "Invalid limit '\(text)', at most \(limits.maxPageSize) tasks per page (scaffolder.maxPageSize)")
        }
        return value
    }

    /// `after`: nil when absent, else a non-negative integer (an event id).
    private static func after(_ text: String?) throws(InputError) -> Int? {
        guard let text, !text.isEmpty else { return nil }
        guard let value = Int(text), value >= 0 else {
            throw InputError("Invalid after '\(text)', expected a non-negative integer (an event id)")
        }
        return value
    }

    /// The optional object member `member` of a request body (`[:]` when absent or null).
    static func object(_ value: JSONValue?, _ member: String) throws(InputError) -> JSONObject {
        switch value {
        case nil, .null?: return [:]
        case .object(let object)?: return object
        case let other?: throw InputError("'\(member)' must be an object, got \(other.typeName)")
        }
    }

    /// `offset`: 0 when absent, else a non-negative integer.
    private static func offset(_ text: String?) throws(InputError) -> Int {
        guard let text, !text.isEmpty else { return 0 }
        guard let value = Int(text), value >= 0 else {
            throw InputError("Invalid offset '\(text)', expected a non-negative integer")
        }
        return value
    }
}
