import AsyncHTTPClient
import BackendConfig
import BackendKit
import BackendRuntime
import BackendTestSupport
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// Helpers for starting hosts in-process on 127.0.0.1, port 0.
enum TestHost {
    /// Options for an in-process host with the config given as YAML.
    static func options(
        yaml: String = "{}",
        environment: BackendEnvironment = .development,
        tokenManager: (any TokenManager)? = nil,
        logs: LogCapture? = nil
    ) throws -> BackendHostOptions {
        BackendHostOptions(
            config: Config(try ConfigLoader.parse(yaml: yaml)),
            environment: environment,
            processEnvironment: [:],
            tokenManager: tokenManager,
            logger: logs?.logger ?? quietLogger(),
            listenHost: "127.0.0.1",
            listenPort: 0
        )
    }

    /// Runs `body` against a host with `plugins`.
    static func with<Result>(
        yaml: String = "{}",
        environment: BackendEnvironment = .development,
        tokenManager: (any TokenManager)? = nil,
        logs: LogCapture? = nil,
        plugins: [any BackendPlugin],
        _ body: (RunningBackend) async throws -> Result
    ) async throws -> Result {
        let options = try options(yaml: yaml, environment: environment, tokenManager: tokenManager, logs: logs)
        return try await BackendHost(options: options).withRunning(plugins: plugins, body)
    }

    /// A logger that only shows critical messages.
    static func quietLogger() -> Logger {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return logger
    }
}

/// A test HTTP response.
struct TestResponse {
    let status: Int
    let headers: HTTPHeaders
    let body: String

    /// The body parsed as a JSON object.
    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
    }
}

/// Sends a request with the shared AsyncHTTPClient.
func send(
    _ method: HTTPMethod = .GET,
    _ url: String,
    headers: [(String, String)] = [],
    body: String? = nil
) async throws -> TestResponse {
    var request = HTTPClientRequest(url: url)
    request.method = method
    for (name, value) in headers {
        request.headers.add(name: name, value: value)
    }
    if let body {
        request.body = .bytes(ByteBuffer(string: body))
    }
    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
    let bytes = try await response.body.collect(upTo: 1 << 20)
    return TestResponse(status: Int(response.status.code), headers: response.headers, body: String(buffer: bytes))
}

/// The expected Backstage error body.
func errorBody(name: String, message: String, method: String = "GET", url: String, status: Int) -> String {
    "{\"error\":{\"name\":\"\(name)\",\"message\":\"\(message)\"},\"request\":{\"method\":\"\(method)\",\"url\":\"\(url)\"},"
        + "\"response\":{\"statusCode\":\(status)}}"
}
