import BackendApp
import HelloPlugin

// `swift run hello-backend [run] [--config FILE]… [--env development|production]`, and the rest of the `backend`
// tool (`config check`, `token create`, …) for a backend of this one plugin.
await BackendCommand.main(plugins: [HelloPlugin()])
