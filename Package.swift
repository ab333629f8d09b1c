// swift-tools-version:6.2
// 6.2 because the pinned dependencies (Hummingbird 2.28, swift-nio 2.101, …) declare it; see the README.
import PackageDescription

/// The language settings every target uses, as Hummingbird and swift-log set them.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "swift-backend",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "backend", targets: ["BackendMain"]),
        .library(name: "BackendJSON", targets: ["BackendJSON"]),
        .library(name: "BackendConfig", targets: ["BackendConfig"]),
        .library(name: "BackendAuth", targets: ["BackendAuth"]),
        .library(name: "BackendDatabase", targets: ["BackendDatabase"]),
        .library(name: "BackendKit", targets: ["BackendKit"]),
        .library(name: "BackendRuntime", targets: ["BackendRuntime"]),
        .library(name: "BackendApp", targets: ["BackendApp"]),
        .library(name: "BackendTesting", targets: ["BackendTesting"]),
        .library(name: "CatalogPlugin", targets: ["CatalogPlugin"]),
        .library(name: "ScaffolderActions", targets: ["ScaffolderActions"]),
        .library(name: "ScaffolderPlugin", targets: ["ScaffolderPlugin"]),
        .library(name: "SearchPlugin", targets: ["SearchPlugin"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/vapor/sql-kit", from: "3.36.0"),
        .package(url: "https://github.com/vapor/sqlite-kit", from: "4.5.2"),
        .package(url: "https://github.com/vapor/postgres-kit", from: "2.17.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        .systemLibrary(
            name: "CYAML",
            pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"]), .brew(["libyaml"])]
        ),
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"]), .brew(["openssl@3"])]
        ),
        .target(
            name: "BackendJSON",
            dependencies: [
                .product(name: "OrderedCollections", package: "swift-collections"),
                // NIOLockedValueBox, the framework's one lock type (ManualClock), without the rest of NIO.
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "BackendConfig",
            dependencies: ["CYAML", "BackendJSON"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "BackendAuth",
            dependencies: [
                "COpenSSL",
                "BackendJSON",
                "BackendConfig",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "BackendDatabase",
            dependencies: [
                "BackendJSON",
                "BackendConfig",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "SQLiteKit", package: "sqlite-kit"),
                .product(name: "PostgresKit", package: "postgres-kit"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // The plugin API: what a plugin imports (routes, request context, caller, errors, environment, client,
        // scheduler). It links neither ArgumentParser nor Prometheus.
        .target(
            name: "BackendKit",
            dependencies: [
                "BackendJSON",
                "BackendConfig",
                "BackendAuth",
                "BackendDatabase",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        // The host runtime: startup, listeners, health, metrics export and log handlers around the plugin API.
        .target(
            name: "BackendRuntime",
            dependencies: [
                "BackendJSON",
                "BackendConfig",
                "BackendAuth",
                "BackendDatabase",
                "BackendKit",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings
        ),
        // Each plugin's OpenAPI document lives next to its sources and is served from the resource bundle.
        .target(
            name: "CatalogPlugin",
            dependencies: ["BackendKit"], resources: [.copy("openapi.json")], swiftSettings: swiftSettings),
        // The scaffolder's action API (the `TemplateAction` protocol and its extension point), apart from the
        // scaffolder, so that a plugin contributing actions does not link it.
        .target(
            name: "ScaffolderActions",
            dependencies: ["BackendKit"], swiftSettings: swiftSettings),
        .target(
            name: "ScaffolderPlugin",
            dependencies: ["BackendKit", "ScaffolderActions"], resources: [.copy("openapi.json")],
            swiftSettings: swiftSettings),
        .target(
            name: "SearchPlugin", dependencies: ["BackendKit"], resources: [.copy("openapi.json")],
            swiftSettings: swiftSettings),
        // The command-line tool (`run`, `config`, `secret`, `token`, `topology`) for any set of plugins, and its
        // host arguments.
        .target(
            name: "BackendApp",
            dependencies: [
                "BackendConfig",
                "BackendAuth",
                "BackendKit",
                "BackendRuntime",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The test kit plugin packages add to their test targets: an in-process host of the given plugins driven
        // through Hummingbird's router test mode (or a loopback server), real tokens, fresh databases, captured logs.
        .target(
            name: "BackendTesting",
            dependencies: [
                "BackendJSON",
                "BackendConfig",
                "BackendAuth",
                "BackendDatabase",
                "BackendKit",
                "BackendRuntime",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "InMemoryLogging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // The `backend` binary: the tool with the sample plugins.
        .executableTarget(
            name: "BackendMain",
            dependencies: ["BackendApp", "CatalogPlugin", "ScaffolderPlugin", "SearchPlugin"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "BackendJSONTests", dependencies: ["BackendJSON"], swiftSettings: swiftSettings),
        .testTarget(
            name: "BackendConfigTests", dependencies: ["BackendConfig", "BackendJSON"], swiftSettings: swiftSettings),
        .testTarget(
            name: "BackendDatabaseTests",
            dependencies: [
                "BackendDatabase", "BackendConfig", "BackendTestSupport", .product(name: "SQLKit", package: "sql-kit"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "BackendAuthTests",
            dependencies: [
                "BackendAuth", "BackendConfig", "BackendJSON", "COpenSSL",
                .product(name: "InMemoryLogging", package: "swift-log"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // What the test targets share beyond the test kit: the one socket HTTP client (processes, live hosts), the
        // hand-written error body, polling, private PostgreSQL servers; the closure plugin is the test kit's,
        // re-exported.
        .target(
            name: "BackendTestSupport",
            dependencies: [
                "BackendKit", "BackendRuntime", "BackendTesting",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Tests/BackendTestSupport",
            swiftSettings: swiftSettings),
        .testTarget(
            name: "BackendKitTests",
            dependencies: [
                "BackendKit", "BackendRuntime", "BackendTesting", "BackendTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "InMemoryLogging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "BackendTestingTests",
            dependencies: [
                "BackendTesting", "BackendKit", "BackendRuntime", "BackendDatabase", "BackendJSON", "BackendConfig",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SamplePluginTests",
            dependencies: [
                "BackendKit", "BackendRuntime", "BackendTesting", "BackendTestSupport", "CatalogPlugin",
                "ScaffolderPlugin", "SearchPlugin",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "BackendMain", "BackendApp", "BackendKit", "BackendRuntime", "BackendTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)
