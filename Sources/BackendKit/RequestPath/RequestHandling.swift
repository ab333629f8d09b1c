import Hummingbird
import Logging

/// The outermost layer of every request, around the host's router: turns every error into Backstage's JSON error
/// body, writes one log line per request (method, path without query, status, duration and the caller's `subject`
/// when a token identified one; never headers or tokens) and records the request's duration by route template.
///
/// It wraps the router from outside (``HostResponder`` calls it) rather than being a router middleware, which
/// Hummingbird would apply to each route through an existential responder and a closure: two async layers less on
/// every request (BENCHMARKS.md, section 4).
package struct RequestHandling: Sendable {
    /// Where `http_server_request_duration_seconds` is recorded.
    let metrics: BackendMetrics
    /// The host logger's level, which each request's logger runs at; read once (each read is a call through the log
    /// handler existential).
    private let level: Logger.Level

    /// Request handling at the level of the host's `logger`, recording into `metrics`.
    package init(logger: Logger, metrics: BackendMetrics = .disabled) {
        self.metrics = metrics
        self.level = logger.logLevel
    }

    /// The response to `request` from `router`, with errors turned into error bodies, logged and measured.
    package func respond(
        to request: Request, context: BackendRequestContext, router: RouterResponder<BackendRequestContext>
    ) async throws -> Response {
        let started = ContinuousClock.now
        var context = context
        // Hummingbird's per-request logger already carries `hb.request.id`; it runs at the server's quieter level,
        // so only the level is put back, and only when it differs (setting it copies the handler). (Copying the id
        // onto the host logger instead would copy a handler and its metadata on every request.)
        var requestLogger = context.logger
        if requestLogger.logLevel != level {
            requestLogger.logLevel = level
            context.logger = requestLogger
        }
        // Where the route guard leaves the caller's subject; only when a line will be written (errors always are).
        let record = level <= .error ? RequestCallerRecord() : nil
        context.callerRecord = record

        let response: Response
        var failure: (any Error)?
        var descriptor: ErrorDescriptor?
        do {
            let routed = try await router.respond(to: request, context: context)
            // Hummingbird answers a request no route matched itself, with its own body; the host answers Backstage's.
            if routed.status == .notFound, context.coreContext.endpointPath.value == Self.notFoundEndpoint {
                throw NotFoundError("No route for \(request.method.rawValue) \(request.uri.path)")
            }
            response = routed
        } catch  where Task.isCancelled {
            // The client went away (the host cancels a request whose connection closed) or the host is past its
            // drain: nobody reads this response, and the failure (a cancelled sleep, an interrupted statement) is
            // not the server's. Logged and measured as nginx's 499 "client closed request", at info.
            response = Response(status: Self.clientClosedRequest)
        } catch {
            let error = (error as? HTTPResponseErrorPassage)?.underlying ?? error
            let described = ErrorDescriptor(error)
            response = ErrorResponse.make(
                described,
                method: request.method,
                url: Self.errorURL(request: request, context: context),
                extraHeaders: (error as? HTTPError)?.headers ?? (error as? any BackendError)?.responseHeaders ?? [:]
            )
            failure = error
            descriptor = described
        }

        let elapsed = ContinuousClock.now - started
        if metrics.isEnabled {
            // The matched route's template (Hummingbird records it in the shared endpoint path), never the raw path.
            let endpoint = context.coreContext.endpointPath.value.flatMap { $0 == Self.notFoundEndpoint ? nil : $0 }
            metrics.recordRequest(
                method: request.method.rawValue, status: response.status.code, route: endpoint ?? "",
                duration: elapsed)
        }
        let milliseconds = elapsed.milliseconds
        let subject = record?.subject
        if let failure, let descriptor, descriptor.isInternal {
            var metadata = Self.metadata(request, response, milliseconds, subject)
            metadata["error"] = .string(String(reflecting: failure))
            requestLogger.error(Self.line(request, response, milliseconds), metadata: metadata)
        } else if let failure = failure as? ServiceCallError {
            // The caller got a 502/503 naming the plugin; the operator gets the remote status, name and message.
            var metadata = Self.metadata(request, response, milliseconds, subject)
            metadata["error"] = .string(failure.description)
            requestLogger.warning(Self.line(request, response, milliseconds), metadata: metadata)
        } else {
            // Both arguments are autoclosures: below `info` (as in benchmarks and busy deployments) the line and
            // its metadata are never built.
            requestLogger.info(
                Self.line(request, response, milliseconds),
                metadata: Self.metadata(request, response, milliseconds, subject))
        }
        return response
    }

    /// `GET /api/catalog/entities 200 3ms`.
    private static func line(_ request: Request, _ response: Response, _ milliseconds: Int64) -> Logger.Message {
        "\(request.method.rawValue) \(request.uri.path) \(response.status.code) \(milliseconds)ms"
    }

    private static func metadata(
        _ request: Request, _ response: Response, _ milliseconds: Int64, _ subject: String?
    ) -> Logger.Metadata {
        var metadata: Logger.Metadata = [
            "method": .string(request.method.rawValue),
            "path": .string(request.uri.path),
            "status": .stringConvertible(response.status.code),
            "duration_ms": .stringConvertible(milliseconds),
        ]
        if let subject { metadata["subject"] = .string(subject) }
        return metadata
    }

    /// The status logged for a request whose client went away before its response (nginx's 499).
    static let clientClosedRequest = HTTPResponse.Status(code: 499, reasonPhrase: "Client Closed Request")

    /// Hummingbird's endpoint path for requests no route matched.
    static let notFoundEndpoint = "NotFound"

    /// The URL for the error body of a failed request: relative to the plugin mount when the request matched a
    /// plugin's route (Backstage's `req.url` inside a plugin router), else the full request URL.
    ///
    /// The plugin comes from the matched route's template (`/api/<id>/…`), which Hummingbird records in the shared
    /// endpoint path whether the error came from the guard, the handler or a mounted collection's middleware; so no
    /// error needs wrapping on its way up. The startup router's `/api/**` names no plugin and keeps the full URL.
    static func errorURL(request: Request, context: BackendRequestContext) -> String {
        guard let endpoint = context.coreContext.endpointPath.value,
            let pluginId = PluginIdentifier.pluginId(ofRoute: endpoint)
        else {
            return request.uri.description
        }
        return relativeURL(of: request, mountPath: PluginIdentifier.mountPath(String(pluginId)))
    }

    /// The request path below `mountPath` (at least `/`), plus the query string if any.
    static func relativeURL(of request: Request, mountPath: String) -> String {
        var path = Substring(request.uri.path)
        if path.hasPrefix(mountPath) {
            path = path.dropFirst(mountPath.count)
        }
        let relative = path.isEmpty ? "/" : String(path)
        guard let query = request.uri.query, !query.isEmpty else { return relative }
        return "\(relative)?\(query)"
    }
}
