import BackendKit
import Hummingbird
import NIOConcurrencyHelpers

/// Where the host is in its life, as orchestrators see it through the health routes.
///
/// | route | starting | ready | stopping |
/// |---|---|---|---|
/// | `GET /.backstage/health/v1/liveness` | 200 `{"status":"ok"}` | 200 | 200 |
/// | `GET /.backstage/health/v1/readiness` | 503 `{"message":"Backend has not started yet","status":"error"}` | 200 `{"status":"ok"}` | 503 `{"message":"Backend is shutting down","status":"error"}` |
/// | `GET /healthcheck` | 503, as readiness | 200 `{"status":"ok"}` | 200 |
///
/// The server listens while plugins register, so a probe can tell "not started yet" from "not there"; the host is
/// ready once every plugin has registered (and run its migrations). On SIGTERM it turns to stopping at once,
/// serves for `backend.lifecycle.serverShutdownDelay` so that load balancers stop sending, then drains.
final class HostHealth: Sendable {
    /// The host's phase.
    enum Phase: Sendable, Equatable {
        case starting
        case ready
        case stopping
    }

    private let current = NIOLockedValueBox(Phase.starting)

    /// The current phase.
    var phase: Phase { current.withLockedValue { $0 } }

    /// Every plugin has registered.
    func markReady() {
        current.withLockedValue { phase in
            if phase == .starting { phase = .ready }
        }
    }

    /// Shutdown has begun; returns the phase before.
    @discardableResult
    func markStopping() -> Phase {
        current.withLockedValue { phase in
            defer { phase = .stopping }
            return phase
        }
    }

    static let ok = ByteBuffer(string: #"{"status":"ok"}"#)
    static let notStarted = ByteBuffer(string: #"{"message":"Backend has not started yet","status":"error"}"#)
    static let shuttingDown = ByteBuffer(string: #"{"message":"Backend is shutting down","status":"error"}"#)

    /// Adds the health routes (public: orchestrators send no token) to `router`.
    func addRoutes(to router: Router<BackendRequestContext>) {
        router.get("/.backstage/health/v1/liveness") { _, _ in EncodedJSONBody(Self.ok) }
        router.get("/.backstage/health/v1/readiness") { _, _ in
            switch self.phase {
            case .starting: EncodedJSONBody(Self.notStarted, status: .serviceUnavailable)
            case .ready: EncodedJSONBody(Self.ok)
            case .stopping: EncodedJSONBody(Self.shuttingDown, status: .serviceUnavailable)
            }
        }
        router.get("/healthcheck") { _, _ in
            self.phase == .starting
                ? EncodedJSONBody(Self.notStarted, status: .serviceUnavailable) : EncodedJSONBody(Self.ok)
        }
    }
}
