import NIOConcurrencyHelpers

/// The contributions of every plugin to every ``ExtensionPoint``, as one plugin sees them.
///
/// The host makes one store per backend and gives each plugin a view of it that records the plugin as the
/// registrant: ``contribute(_:to:)`` in ``BackendPlugin/contribute(to:_:)``, and
/// ``contributions(to:)`` (through ``PluginEnvironment/extensions``) in ``BackendPlugin/register(_:_:)``.
/// Startup calls every plugin's `contribute` before any plugin's `register`, then closes the store, so an offering
/// plugin reads a complete, final list and no contribution arrives after it has read them.
///
/// A test may make its own: `PluginExtensions(pluginId: "hello")`.
public struct PluginExtensions: Sendable {
    /// The plugin this view contributes as.
    public let pluginId: String
    private let store: Store

    /// A new, empty store, viewed as plugin `pluginId`.
    public init(pluginId: String) {
        self.pluginId = pluginId
        store = Store()
    }

    private init(pluginId: String, store: Store) {
        self.pluginId = pluginId
        self.store = store
    }

    /// The same store, viewed as plugin `pluginId` (the host gives each plugin its own view).
    public func viewed(as pluginId: String) -> PluginExtensions {
        PluginExtensions(pluginId: pluginId, store: store)
    }

    /// Adds `value` to `point`, with this view's plugin as its registrant.
    ///
    /// - Throws: ``LateContributionError`` once the contribution phase of startup is over.
    public func contribute<Value: Sendable>(_ value: Value, to point: ExtensionPoint<Value>) throws {
        let registrant = pluginId
        try store.state.withLockedValue { state in
            guard !state.closed else { throw LateContributionError(registrant: registrant, point: point.id) }
            state.contributions[point.id, default: []].append((registrant, value))
        }
    }

    /// Every contribution to `point`, in the order the plugins contributed them (the host's plugin order).
    public func contributions<Value: Sendable>(to point: ExtensionPoint<Value>) -> [ExtensionContribution<Value>] {
        store.state.withLockedValue { state in
            (state.contributions[point.id] ?? []).compactMap { registrant, value in
                (value as? Value).map { ExtensionContribution(registrant: registrant, value: $0) }
            }
        }
    }

    /// Ends the contribution phase: a later ``contribute(_:to:)`` throws. The host calls this before any plugin
    /// registers.
    public func close() {
        store.state.withLockedValue { $0.closed = true }
    }

    private final class Store: Sendable {
        struct State {
            var contributions: [String: [(registrant: String, value: any Sendable)]] = [:]
            var closed = false
        }
        let state = NIOLockedValueBox(State())
    }
}
