/// Everything the host gives a plugin at registration.
public struct PluginEnvironment: Sendable {
    /// The id of the plugin this environment belongs to.
    public let pluginId: String
    /// A logger with `plugin=<id>` metadata.
    public let logger: Logger
    /// The root config (read your plugin's section with `config.getOptionalConfig("<id>")`).
    public let config: Config
    /// `development` or `production`.
    public let environment: BackendEnvironment
    /// The host's token manager (issues tokens for outgoing calls, verifies incoming ones).
    public let tokenManager: any TokenManager
    /// Where every plugin lives.
    public let discovery: any PluginEndpointDiscovery
    /// The plugin's own database (`backend.database`; in-memory SQLite when not configured), connected on first
    /// use. Keep all plugin state here, with migrations run at registration, so that a restart loses nothing and
    /// replicas share it.
    public let database: PluginDatabase
    /// A client for calling other plugins with a server token.
    public let client: ServiceClient
    /// The plugin's scheduler: work on a schedule, once across replicas (`global`) or in every process (`local`).
    /// Runs start once every plugin has registered.
    public let scheduler: PluginScheduler
    /// The host's metrics: make instruments with `metrics.factory`, refresh gauges in `metrics.onCollect`. Records
    /// nothing unless `backend.metrics.listen` is set.
    public let metrics: BackendMetrics
    /// What every plugin contributed to extension points (read an extension point you offer with
    /// `extensions.contributions(to:)` in `register`).
    public let extensions: PluginExtensions

    /// Creates an environment (the host does this; tests may too). Without `scheduler`, one on `database` is made;
    /// its tasks run only if something runs it as a `Service`. Without `metrics`, nothing is recorded. Without
    /// `extensions`, an empty store viewed as this plugin.
    public init(
        pluginId: String,
        logger: Logger,
        config: Config,
        environment: BackendEnvironment,
        tokenManager: any TokenManager,
        discovery: any PluginEndpointDiscovery,
        database: PluginDatabase,
        client: ServiceClient,
        scheduler: PluginScheduler? = nil,
        metrics: BackendMetrics = .disabled,
        extensions: PluginExtensions? = nil
    ) {
        self.pluginId = pluginId
        self.logger = logger
        self.config = config
        self.environment = environment
        self.tokenManager = tokenManager
        self.discovery = discovery
        self.database = database
        self.client = client
        self.scheduler =
            scheduler ?? PluginScheduler(pluginId: pluginId, database: database, logger: logger, metrics: metrics)
        self.metrics = metrics
        self.extensions = extensions ?? PluginExtensions(pluginId: pluginId)
    }
}
