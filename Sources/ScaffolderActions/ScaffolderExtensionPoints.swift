import BackendKit

/// The extension points the scaffolder offers to other plugins.
///
/// This module holds only the scaffolder's action API, so a plugin that contributes actions links it and BackendKit,
/// not the scaffolder itself (which may run in another deployment, or not at all in a test).
public enum ScaffolderExtensionPoints {
    /// Step actions: every action contributed here is available to templates next to the built-in ones
    /// (`catalog:register`, `catalog:fetch`, `debug:log`, `debug:wait`). An id used twice fails startup with both
    /// registrants named.
    ///
    /// ```swift
    /// try extensions.contribute(GreetAction(), to: ScaffolderExtensionPoints.actions)
    /// ```
    public static let actions = ExtensionPoint<any TemplateAction>("scaffolder.actions")
}
