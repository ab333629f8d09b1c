import HTTPTypes
import Hummingbird
import Logging
import NIOConcurrencyHelpers
import NIOCore
import ServiceLifecycle

/// The one loopback listener of a ``TestTopology``: `http://127.0.0.1:<port>/<deployment>/<path>` reaches
/// `<path>` of that deployment's host through its router, in process. Deployments find each other (and their own
/// plugins) through `discovery.endpoints` targets below it, since `env.client` calls plugins over HTTP.
final class FrontDoor: Sendable {
    private let hosts = NIOLockedValueBox<[String: any HostTransport]>([:])

    /// Routes `/<name>/…` to `transport` from now on.
    func register(_ name: String, _ transport: any HostTransport) {
        hosts.withLockedValue { $0[name] = transport }
    }

    /// The transport of the deployment `name`, if it has started.
    func transport(_ name: String) -> (any HostTransport)? {
        hosts.withLockedValue { $0[name] }
    }

    /// Listens on 127.0.0.1 at a free port, runs `body` with `http://127.0.0.1:<port>`, then stops.
    func withListener<Result>(
        isolation: isolated (any Actor)? = #isolation,
        _ body: (String) async throws -> Result
    ) async throws -> Result {
        return try await LoopbackServer.with(
            FrontDoorResponder(door: self), label: "backend-testing.front-door", notListening: FrontDoorError(), body)
    }
}

/// Forwards a request to the deployment its first path segment names.
struct FrontDoorResponder: HTTPResponder {
    typealias Context = BasicRequestContext

    let door: FrontDoor

    /// Headers that belong to one connection, not to the request or response forwarded.
    static let connectionHeaders: Set<HTTPField.Name> = [.connection, .contentLength, .transferEncoding]

    func respond(to request: Request, context: BasicRequestContext) async throws -> Response {
        let target = request.uri.description.dropFirst()
        let name = String(target.prefix { $0 != "/" && $0 != "?" })
        guard let transport = door.transport(name) else {
            return Response(
                status: .badGateway,
                body: ResponseBody(byteBuffer: ByteBuffer(string: "No test deployment named '\(name)'")))
        }
        var request = request
        let body = try await request.collectBody(upTo: 64 * 1024 * 1024)
        let headers = request.headers.filter { !Self.connectionHeaders.contains($0.name) }
        let response = try await transport.execute(
            uri: String(target.dropFirst(name.count)), method: request.method, headers: HTTPFields(headers),
            body: body.readableBytes == 0 ? nil : body)
        return Response(
            status: response.status,
            headers: HTTPFields(response.headers.filter { !Self.connectionHeaders.contains($0.name) }),
            body: ResponseBody(byteBuffer: response.body))
    }
}

/// The front door stopped before it listened.
struct FrontDoorError: Error, CustomStringConvertible {
    var description: String { "The test topology's loopback listener stopped before it listened on 127.0.0.1" }
}
