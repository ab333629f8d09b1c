import BackendJSON
import Foundation

// `JSONValue(parsing:)` against `JSONDecoder().decode(JSONValue.self, from:)`, the path it replaced, in the same run:
// a 1.2 KB catalog entity (2,000 parses per sample) and an array of 2,000 of them (2.3 MB). Seven rounds; each
// prints the median of its samples and the ratio parser / decoder. Run in release:
//   swift run -c release --package-path Benchmarks --scratch-path .build-benchmarks JSONParsingBench
let entity =
    #"{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"service-0001","namespace":"default","title":"Service 1","description":"A service of the benchmark catalog, with a description long enough to be realistic for a catalog entity.","labels":{"tier":"backend","team":"platform"},"annotations":{"backstage.io/managed-by-location":"file:/catalog/services.yaml","backstage.io/managed-by-origin-location":"file:/catalog/all.yaml","github.com/project-slug":"example/service-0001"},"tags":["swift","backend","http"],"links":[{"url":"https://example.com/service-0001","title":"Home"}],"uid":"0f6f2c3e-8a47-4b8f-9d2a-3c1f3e5b7a01","etag":"abc123"},"spec":{"type":"service","lifecycle":"production","owner":"group:default/platform-team","system":"system:default/payments","providesApis":["api:default/payments-api"],"consumesApis":["api:default/ledger-api"],"dependsOn":["resource:default/payments-db"]},"relations":[{"type":"ownedBy","targetRef":"group:default/platform-team"},{"type":"partOf","targetRef":"system:default/payments"},{"type":"providesApi","targetRef":"api:default/payments-api"},{"type":"dependsOn","targetRef":"resource:default/payments-db"}]}"#
let big = "[" + (0..<2000).map { _ in entity }.joined(separator: ",") + "]"
/// The median of `samples` runs of `body`, in seconds.
func median(_ samples: Int, _ body: () -> Void) -> Double {
    var seconds: [Double] = []
    for _ in 0..<samples {
        let start = ContinuousClock.now
        body()
        seconds.append((ContinuousClock.now - start) / .seconds(1))
    }
    return seconds.sorted()[samples / 2]
}
let smallData = Data(entity.utf8), bigData = Data(big.utf8)
print("entity bytes", smallData.count, "big bytes", bigData.count)
for round in 0..<7 {
    let n = 2000
    let a = median(7) { for _ in 0..<n { _ = try? JSONDecoder().decode(JSONValue.self, from: smallData) } } / Double(n)
    let b = median(7) { for _ in 0..<n { _ = try? JSONValue(parsing: smallData) } } / Double(n)
    let c = median(5) { _ = try? JSONDecoder().decode(JSONValue.self, from: bigData) }
    let d = median(5) { _ = try? JSONValue(parsing: bigData) }
    print(
        String(
            format:
                "round %d entity: decoder %.2f us, parser %.2f us, ratio %.3f | big: decoder %.1f ms, parser %.1f ms, ratio %.3f",
            round, a * 1e6, b * 1e6, b / a, c * 1e3, d * 1e3, d / c))
}
