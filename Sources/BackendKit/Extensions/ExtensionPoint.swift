/// A typed place where a plugin lets other plugins add to it at startup, such as the scaffolder's actions.
///
/// The plugin that offers the extension point declares it once, as a public constant in a small module that
/// contributors can import without linking the offering plugin itself. Other plugins contribute values of
/// `Contribution` in ``BackendPlugin/contribute(to:_:)``; the offering plugin reads every contribution in its
/// ``BackendPlugin/register(_:_:)``, which the host calls only after every plugin has contributed.
///
/// ```swift
/// // In the offering plugin's API module:
/// public enum GreeterExtensionPoints {
///     public static let phrases = ExtensionPoint<String>("greeter.phrases")
/// }
///
/// // In a contributing plugin:
/// public func contribute(to extensions: PluginExtensions, _ env: PluginEnvironment) async throws {
///     try extensions.contribute("Ahoy", to: GreeterExtensionPoints.phrases)
/// }
///
/// // In the offering plugin's register:
/// let phrases = env.extensions.contributions(to: GreeterExtensionPoints.phrases).map(\.value)
/// ```
public struct ExtensionPoint<Contribution: Sendable>: Sendable, Hashable, CustomStringConvertible {
    /// A name unique across the backend, by convention `<plugin id>.<what>` (`scaffolder.actions`).
    public let id: String

    /// Declares an extension point named `id`.
    public init(_ id: String) {
        self.id = id
    }

    /// The id.
    public var description: String { id }
}

/// One value contributed to an ``ExtensionPoint``, with the plugin that contributed it.
public struct ExtensionContribution<Value: Sendable>: Sendable {
    /// The id of the plugin that contributed it, so that the offering plugin can name it in an error.
    public let registrant: String
    /// The contributed value.
    public let value: Value
}

/// A contribution made after the contribution phase of startup, when the offering plugin may already have read
/// the contributions and would never see it.
public struct LateContributionError: MessageError {
    /// `Plugin 'hello' contributed to the extension point 'scaffolder.actions' after startup's contribution phase; …`.
    public let message: String

    /// An error with `message`.
    public init(_ message: String) {
        self.message = message
    }

    /// Describes a late contribution of `registrant` to `point`.
    public init(registrant: String, point: String) {
        self.init(
            "Plugin '\(registrant)' contributed to the extension point '\(point)' after startup's contribution "
                + "phase; contribute from the plugin's contribute(to:_:), which runs before any plugin registers")
    }
}
