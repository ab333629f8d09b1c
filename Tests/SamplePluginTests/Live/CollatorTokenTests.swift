import BackendConfig
import BackendKit
import BackendRuntime
import BackendTestSupport
import BackendTesting
import Foundation
import NIOCore
import NIOHTTP1
import SearchPlugin
import Testing

@Suite("Search collator against a live catalog", .serialized)
struct CollatorTokenTests {
    @Test("one collation run follows GET /entities/by-query cursors with one token")
    func oneTokenPerRun() async throws {
        let headers = Recorder<String>()
        let pages = TestPlugin("catalog") { routes, _ in
            routes.get("/entities/by-query") { request, _ in
                await headers.record(request.headers[.authorization] ?? "")
                let query = request.uri.queryParameters
                // This catalog's cursor is the offset of the next page.
                let offset = Int(query["cursor"].map(String.init) ?? "") ?? 0
                let limit = Int(query["limit"].map(String.init) ?? "") ?? 0
                let names = (0..<7).map { "svc-\($0)" }.dropFirst(offset).prefix(limit)
                let items = names.map {
                    #"{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"\#($0)"}}"#
                }
                let next = offset + limit < 7 ? #"{"nextCursor":"\#(offset + limit)"}"# : "{}"
                let body = #"{"items":[\#(items.joined(separator: ","))],"totalItems":7,"pageInfo":\#(next)}"#
                return Response(
                    status: .ok, headers: [.contentType: "application/json"],
                    body: .init(byteBuffer: ByteBuffer(string: body)))
            }
        }
        let config = TestHosts.config(
            auth: ["keys": []],
            extra: [("search", ["collators": ["catalog": ["initialDelay": "1h", "frequency": "1h", "pageSize": 2]]])])
        // Live: the collator reaches the catalog through env.client, over HTTP.
        try await TestBackend(plugins: [pages, SearchPlugin()], config: Config(config)).test(.live) { client in
            let refresh = try await client.post("/api/search/collators/catalog/refresh", as: .backend)
            #expect(refresh.text == #"{"documents":7,"type":"software-catalog"}"#)
            let seen = await headers.values
            #expect(seen.count == 4)
            #expect(Set(seen).count == 1)
            #expect(seen.first?.hasPrefix("Bearer ey") == true)
        }
    }
}
