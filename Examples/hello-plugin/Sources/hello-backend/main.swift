import BackendKit
import HelloPlugin

// `swift run hello-backend [--config FILE]… [--env development|production]`
await BackendHost(arguments: CommandLine.arguments).runMain(plugins: [HelloPlugin()])
