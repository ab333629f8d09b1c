import Foundation
import Hummingbird
import HummingbirdCore
import NIOCore
import Logging

// The floor of scripts/bench-http: a bare Hummingbird 2 application, with none of BackendKit's middleware
// (request log line, error bodies, plugin scoping, service auth), that answers the benchmarked route with the
// very bytes the Swift host returned. What it costs per request is what Hummingbird and SwiftNIO cost on this
// machine; the host can only add to it.
//
//   HummingbirdFloor --port 7304 --path /api/catalog/entities/by-name/component/default/x --body FILE [--idle-timeout 30]
//
// `--idle-timeout SECONDS` adds what the host's server adds to every connection (NIO's idle-state handler), to
// measure that part of the host's cost apart from BackendKit's own.

struct Options {
    var port = 7304
    var path = ""
    var body = ""
    var idleTimeout: Int64?

    init(_ arguments: [String]) throws {
        var iterator = arguments.dropFirst().makeIterator()
        while let name = iterator.next() {
            guard let value = iterator.next() else { throw UsageError("missing value for \(name)") }
            switch name {
            case "--port":
                guard let port = Int(value) else { throw UsageError("--port needs a number") }
                self.port = port
            case "--path": path = value
            case "--body": body = value
            case "--idle-timeout":
                guard let seconds = Int64(value) else { throw UsageError("--idle-timeout needs a number") }
                idleTimeout = seconds
            default: throw UsageError("unknown option \(name)")
            }
        }
        guard path.hasPrefix("/"), !body.isEmpty else { throw UsageError("--path and --body are required") }
    }
}

struct UsageError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

do {
    let options = try Options(CommandLine.arguments)
    let body = ByteBuffer(bytes: try Data(contentsOf: URL(fileURLWithPath: options.body)))
    // The benchmarked route has the host's shape: fixed segments, then kind, namespace and name parameters.
    let components = options.path.split(separator: "/")
    guard components.count > 3 else { throw UsageError("--path needs at least four segments") }
    let pattern = (components.dropLast(3) + [":kind", ":namespace", ":name"]).joined(separator: "/")

    var logger = Logger(label: "hummingbird-floor")
    logger.logLevel = .warning
    let router = Router()
    router.get("/healthcheck") { _, _ in HTTPResponse.Status.ok }
    router.get(RouterPath("/" + pattern)) { _, _ in
        Response(
            status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
            body: ResponseBody(byteBuffer: body))
    }
    let server: HTTPServerBuilder = .http1(
        configuration: HTTP1Channel.Configuration(idleTimeout: options.idleTimeout.map { TimeAmount.seconds($0) }))
    let app = Application(
        router: router, server: server, configuration: .init(address: .hostname("127.0.0.1", port: options.port)),
        logger: logger)
    try await app.runService()
} catch {
    FileHandle.standardError.write(Data("HummingbirdFloor: \(error)\n".utf8))
    exit(1)
}
