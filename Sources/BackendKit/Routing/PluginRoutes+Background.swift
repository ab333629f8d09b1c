extension PluginRoutes {
    /// Runs `service` (a ServiceLifecycle `Service`) for the life of the backend.
    ///
    /// It starts once the server listens and is asked to stop (graceful shutdown) after the server has
    /// stopped; its `run()` should return promptly then. An error thrown from `run()` is logged and
    /// does not stop the backend.
    public func addBackgroundService(_ service: some Service, name: String? = nil) {
        let label = name ?? String(describing: type(of: service))
        backgroundServices.append(BackgroundService(name: label, pluginId: pluginId, service: service, logger: logger))
    }

    /// Runs `work` every `interval`, first after `initialDelay`, once the server listens.
    ///
    /// Runs never overlap: the next one is scheduled `interval` after the previous one finished. An
    /// error thrown by `work` is logged and the schedule continues. On graceful shutdown a run in
    /// progress completes (it sees task cancellation only if shutdown outlasts the host's grace period)
    /// and no further run starts.
    public func addRepeatingTask(
        name: String,
        initialDelay: Duration = .zero,
        interval: Duration,
        _ work: @escaping @Sendable () async throws -> Void
    ) {
        let task = RepeatingTaskService(
            name: name,
            initialDelay: initialDelay,
            interval: interval,
            logger: logger,
            work: work
        )
        backgroundServices.append(BackgroundService(name: name, pluginId: pluginId, service: task, logger: logger))
    }
}
