extension PluginScheduler {
    /// Adds Backstage's scheduler routes to the plugin's routes (the host does this for every plugin):
    ///
    /// | route | does |
    /// |---|---|
    /// | `GET /.backstage/scheduler/v1/tasks` | `{tasks: [{taskId, pluginId, scope, settings, taskState, workerState}]}` |
    /// | `POST /.backstage/scheduler/v1/tasks/:id/trigger` | makes the task due now; 404 when unknown, 409 while it runs |
    package func addRoutes(to routes: PluginRoutes) {
        routes.get("/.backstage/scheduler/v1/tasks") { _, _ in
            JSONBody(JSONValue.object(["tasks": .array(try await self.taskDescriptions())]))
        }
        routes.post("/.backstage/scheduler/v1/tasks/:id/trigger") { _, context in
            try await self.triggerTask(try context.pathParameter("id"))
            return Response(status: .ok)
        }
    }

    /// Every scheduled task as the list route reports it.
    func taskDescriptions() async throws -> [JSONValue] {
        let tasks = self.tasks
        let globalStates = tasks.contains { $0.schedule.scope == .global } ? try await table.states() : [:]
        return tasks.map { task in
            let state: JSONValue =
                switch task.schedule.scope {
                case .global: globalStates[task.id] ?? .null
                case .local: task.localTaskState
                }
            return .object([
                "taskId": .string(task.id),
                "pluginId": .string(pluginId),
                "scope": .string(task.schedule.scope.rawValue),
                "settings": task.schedule.settings,
                "taskState": state,
                "workerState": .object(["status": .string(task.workerStatus.rawValue)]),
            ])
        }
    }
}
