import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// The test kit's own servers (the key-set server, a topology's front door): a responder served on 127.0.0.1 at a
/// free port for the length of a test body, stopped gracefully afterwards whether the body passed or threw.
enum LoopbackServer {
    /// Serves `responder`, runs `body` with `http://127.0.0.1:<port>`, then stops; throws `notListening` when the
    /// server stopped before it listened.
    static func with<Responder: HTTPResponder, Result>(
        _ responder: Responder, label: String, notListening: @autoclosure () -> any Error,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (String) async throws -> Result
    ) async throws -> Result where Responder.Context == BasicRequestContext {
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: label)
        logger.logLevel = .warning
        let application = Application(
            responder: responder,
            configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                portContinuation.yield(channel.localAddress?.port ?? 0)
                portContinuation.finish()
            },
            logger: logger)
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [application], gracefulShutdownSignals: [], logger: logger))
        return try await withThrowingTaskGroup(of: Void.self, returning: Result.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else {
                try await tasks.waitForAll()
                throw notListening()
            }
            let result: Result
            do {
                result = try await body("http://127.0.0.1:\(port)")
            } catch {
                await group.triggerGracefulShutdown()
                try? await tasks.waitForAll()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return result
        }
    }
}
