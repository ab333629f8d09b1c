import BackendApp
import CatalogPlugin
import ScaffolderPlugin
import SearchPlugin

// The `backend` binary: the command-line tool with the sample plugins (catalog, scaffolder and search, in mount
// order). A backend of your own has the same three lines with its plugins.
await BackendCommand.main(plugins: [CatalogPlugin(), ScaffolderPlugin(), SearchPlugin()])
