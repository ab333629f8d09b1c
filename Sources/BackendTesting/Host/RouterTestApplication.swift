import BackendKit
import Hummingbird
import Logging
import NIOCore

/// The host's responder as a Hummingbird application, so that `test(.router)` of HummingbirdTesting drives it. It
/// runs no services of its own: the host's run around it (``BackendHost/withInProcess(plugins:isolation:_:)``).
struct RouterTestApplication: ApplicationProtocol {
    let hostResponder: HostResponder
    let logger: Logger

    var responder: HostResponder {
        get async throws { hostResponder }
    }

    var services: [any Service] { [] }

    var processesRunBeforeServerStart: [@Sendable () async throws -> Void] { [] }

    @Sendable func onServerRunning(_ channel: any Channel) async {}
}
