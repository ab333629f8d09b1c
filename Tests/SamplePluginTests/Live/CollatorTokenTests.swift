import BackendKit
import BackendTestSupport
import Foundation
import NIOHTTP1
import SearchPlugin
import Testing

@Suite("Search collator against a live catalog", .serialized)
struct CollatorTokenTests {
    @Test("one collation run pages through GET /entities with one token")
    func oneTokenPerRun() async throws {
        let headers = Recorder<String>()
        let pages = TestPlugin("catalog") { routes, _ in
            routes.get("/entities") { request, _ in
                await headers.record(request.headers[.authorization] ?? "")
                let query = request.uri.queryParameters
                let offset = Int(query["offset"].map(String.init) ?? "") ?? 0
                let limit = Int(query["limit"].map(String.init) ?? "") ?? 0
                let names = (0..<7).map { "svc-\($0)" }.dropFirst(offset).prefix(limit)
                let body = names.map {
                    #"{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"\#($0)"}}"#
                }
                return Response(
                    status: .ok, headers: [.contentType: "application/json"],
                    body: .init(byteBuffer: ByteBuffer(string: "[" + body.joined(separator: ",") + "]")))
            }
        }
        let config = TestHosts.config(
            auth: ["keys": []],
            extra: [("search", ["collators": ["catalog": ["initialDelay": "1h", "frequency": "1h", "pageSize": 2]]])])
        try await TestHosts.with(config, plugins: [pages, SearchPlugin()]) { host in
            let token = try await host.token()
            let refresh = try await send(.POST, host.url("search", "/collators/catalog/refresh"), token: token)
            #expect(refresh.body == #"{"documents":7,"type":"software-catalog"}"#)
            let seen = await headers.values
            #expect(seen.count == 4)
            #expect(Set(seen).count == 1)
            #expect(seen.first?.hasPrefix("Bearer ey") == true)
        }
    }
}
