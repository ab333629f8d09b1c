import BackendConfig
import BackendKit
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// The metrics listener of `backend.metrics.listen`: `GET /metrics` in the Prometheus text format, on its own
/// address so that it can stay off the network the plugin routes are served on.
///
/// It shares the main server's HTTP limits (header sizes, idle timeout) and answers nothing but `/metrics` (404).
/// It never needs a token: the address is the access control, as it is for Backstage's Prometheus exporter.
struct MetricsServer: Service, CustomStringConvertible {
    /// The `Content-Type` of the text exposition format.
    static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    let metrics: BackendMetrics
    let listen: ListenAddress
    /// Opened with the bound port once the listener is up.
    let gate: StartupSignal
    let logger: Logger

    var description: String { "MetricsServer" }

    func run() async throws {
        let router = Router(context: BasicRequestContext.self)
        let metrics = self.metrics
        router.get("/metrics") { _, _ -> Response in
            let body = await metrics.scrape()
            return Response(
                status: .ok, headers: [.contentType: Self.contentType],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
        }
        var serverLogger = logger
        serverLogger.logLevel = max(logger.logLevel, .warning)
        let (listen, gate, logger) = (self.listen, self.gate, self.logger)
        let application = Application(
            router: router,
            server: HTTPServerLimits.serverBuilder,
            configuration: ApplicationConfiguration(address: .hostname(listen.host, port: listen.port)),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? listen.port
                logger.info("Metrics listening on \(ListenAddress(host: listen.host, port: port)) (GET /metrics)")
                gate.open(port: port)
            },
            logger: serverLogger
        )
        do {
            try await application.run()
        } catch {
            let listened = gate.didOpen
            gate.close()
            if !listened {
                throw ListenFailure.error("for metrics ", address: listen, key: "backend.metrics.listen", cause: error)
            }
            throw error
        }
        gate.close()
    }
}
