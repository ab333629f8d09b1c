import Hummingbird
import NIOConcurrencyHelpers

/// The server's responder: ``RequestHandling`` around the startup router (health routes, and 503 `Backend has not
/// started yet` for every plugin route) while plugins register, then around the full router.
///
/// The server listens before plugins register so that readiness can say "not started yet"; the router with the
/// plugins' routes exists only after they registered, so it is swapped in then. A request costs one lock read
/// more than calling the router directly.
package final class HostResponder: HTTPResponder, Sendable {
    package typealias Context = BackendRequestContext

    private let current: NIOLockedValueBox<RouterResponder<BackendRequestContext>>
    private let handling: RequestHandling

    /// A responder serving `startup` until ``install(_:)``, every request through `handling`.
    package init(startup: RouterResponder<BackendRequestContext>, handling: RequestHandling) {
        current = NIOLockedValueBox(startup)
        self.handling = handling
    }

    /// Serves `responder` from now on.
    package func install(_ responder: RouterResponder<BackendRequestContext>) {
        current.withLockedValue { $0 = responder }
    }

    package func respond(to request: Request, context: BackendRequestContext) async throws -> Response {
        try await handling.respond(to: request, context: context, router: current.withLockedValue { $0 })
    }
}
