import BackendKit
import CatalogPlugin
import ScaffolderPlugin
import SearchPlugin

/// The plugins this binary ships.
enum SamplePlugins {
    /// Catalog, scaffolder and search, in mount order.
    static var all: [any BackendPlugin] { [CatalogPlugin(), ScaffolderPlugin(), SearchPlugin()] }
}
