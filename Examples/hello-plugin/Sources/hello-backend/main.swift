import BackendApp
import CatalogPlugin
import HelloPlugin
import ScaffolderPlugin

// `swift run hello-backend [run] [--config FILE]… [--env development|production]`, and the rest of the `backend`
// tool (`config check`, `token create`, …) for a backend of the hello plugin with the sample catalog and scaffolder.
await BackendCommand.main(plugins: [HelloPlugin(), CatalogPlugin(), ScaffolderPlugin()])
