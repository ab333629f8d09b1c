import Foundation

/// A loopback HTTP server (Python's `http.server`) that answers every GET after `delay` seconds with an empty
/// catalog page, `{"items":[],"totalItems":0,"pageInfo":{}}` (what the search collator's `GET /entities/by-query` reads).
///
/// Stands in for a slow catalog so a request can be kept in flight while the backend is told to shut down.
enum SlowUpstream {
    static let script = """
        import http.server, sys, time
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                print("GET " + self.path, flush=True)
                time.sleep(float(sys.argv[1]))
                body = b'{"items":[],"totalItems":0,"pageInfo":{}}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            def log_message(self, *args):
                pass
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        print("Listening on 127.0.0.1:%d" % server.server_address[1], flush=True)
        server.serve_forever()
        """

    /// A running server.
    struct Server {
        /// Its port on 127.0.0.1.
        let port: Int
        let process: BackendProcess

        /// Waits until a request has reached the server (its `GET` line is printed before the delay).
        func waitForRequest(timeout: Duration = .seconds(30)) async throws {
            try await waitForRequests(1, timeout: timeout)
        }

        /// Waits until `count` requests have reached the server, each counted when its `GET` line is printed.
        func waitForRequests(_ count: Int, timeout: Duration = .seconds(30)) async throws {
            let deadline = ContinuousClock.now + timeout
            while process.stdout.components(separatedBy: "GET /").count - 1 < count {
                guard ContinuousClock.now < deadline else {
                    throw BackendProcess.Failure(
                        description: "fewer than \(count) requests reached the slow upstream in \(timeout)")
                }
                try await Task.sleep(for: .milliseconds(20))
            }
        }
    }

    /// Starts the server, runs `body` with its port, and always stops it.
    static func with<T>(delay: Double, _ body: (Int) async throws -> T) async throws -> T {
        try await with(delay: delay) { (server: Server) in try await body(server.port) }
    }

    /// Starts the server, runs `body` with it, and always stops it.
    static func with<T>(delay: Double, _ body: (Server) async throws -> T) async throws -> T {
        let process = try BackendProcess(
            ["python3", "-c", script, String(delay)],
            executable: URL(fileURLWithPath: "/usr/bin/env")
        )
        defer { process.stop() }
        let port = try await process.waitForListeningPort(ready: false)
        return try await body(Server(port: port, process: process))
    }
}
