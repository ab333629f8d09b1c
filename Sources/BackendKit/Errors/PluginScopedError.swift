/// An error thrown inside a plugin's routes, tagged with the URL relative to the plugin mount
/// (Backstage's `req.url` inside a plugin router) for the error body.
struct PluginScopedError: Error {
    /// The original error.
    let underlying: any Error
    /// The request URL relative to the plugin mount, query included.
    let relativeURL: String
}
