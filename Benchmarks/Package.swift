// swift-tools-version:6.1
// Micro-benchmarks for BackendAuth and the bare-Hummingbird floor of scripts/bench-http.
// Kept out of the main package so the main build stays lean; scripts/test builds this package
// (debug) so it cannot rot. Run with
//   swift package --package-path Benchmarks --scratch-path .build-benchmarks benchmark
// (see BENCHMARKS.md at the repository root).
import PackageDescription

let package = Package(
    name: "swift-backend-benchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "swift-backend", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.7.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        .executableTarget(
            name: "TokenBenchmarks",
            dependencies: [
                .product(name: "BackendAuth", package: "swift-backend"),
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/TokenBenchmarks",
            plugins: [
                .plugin(name: "BenchmarkPlugin", package: "benchmark")
            ]
        ),
        // ES256 plugin tokens against `openssl speed ecdsap256` (BENCHMARKS.md).
        .executableTarget(
            name: "PluginTokenBenchmarks",
            dependencies: [
                .product(name: "BackendAuth", package: "swift-backend"),
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/PluginTokenBenchmarks",
            plugins: [
                .plugin(name: "BenchmarkPlugin", package: "benchmark")
            ]
        ),
        // Profiling harness for callgrind (see its main.swift and BENCHMARKS.md).
        .executableTarget(
            name: "TokenProfile",
            dependencies: [
                .product(name: "BackendAuth", package: "swift-backend"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // JSONValue(parsing:) against the JSONDecoder path it replaced (see its main.swift and BENCHMARKS.md).
        .executableTarget(
            name: "JSONParsingBench",
            dependencies: [.product(name: "BackendJSON", package: "swift-backend")]
        ),
        // The bare-Hummingbird floor of scripts/bench-http (see its main.swift and BENCHMARKS.md).
        .executableTarget(
            name: "HummingbirdFloor",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
