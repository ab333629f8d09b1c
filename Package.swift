// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "swift-backend",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "backend", targets: ["BackendApp"]),
        .library(name: "BackendConfig", targets: ["BackendConfig"]),
        .library(name: "BackendAuth", targets: ["BackendAuth"]),
        .library(name: "BackendKit", targets: ["BackendKit"]),
        .library(name: "CatalogPlugin", targets: ["CatalogPlugin"]),
        .library(name: "ScaffolderPlugin", targets: ["ScaffolderPlugin"]),
        .library(name: "SearchPlugin", targets: ["SearchPlugin"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
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
            name: "BackendConfig",
            dependencies: ["CYAML"]
        ),
        .target(
            name: "BackendAuth",
            dependencies: [
                "COpenSSL",
                "BackendConfig",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "BackendKit",
            dependencies: [
                "BackendConfig",
                "BackendAuth",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(name: "CatalogPlugin", dependencies: ["BackendKit"]),
        .target(name: "ScaffolderPlugin", dependencies: ["BackendKit"]),
        .target(name: "SearchPlugin", dependencies: ["BackendKit"]),
        .executableTarget(
            name: "BackendApp",
            dependencies: [
                "BackendConfig",
                "BackendAuth",
                "BackendKit",
                "CatalogPlugin",
                "ScaffolderPlugin",
                "SearchPlugin",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "BackendConfigTests", dependencies: ["BackendConfig"]),
        .testTarget(name: "BackendAuthTests", dependencies: ["BackendAuth", "BackendConfig"]),
        // Helpers shared by the test targets that host plugins in-process (log capture, closure plugins, polling).
        .target(name: "BackendTestSupport", dependencies: ["BackendKit"], path: "Tests/BackendTestSupport"),
        .testTarget(
            name: "BackendKitTests",
            dependencies: [
                "BackendKit", "BackendTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        .testTarget(
            name: "SamplePluginTests",
            dependencies: [
                "BackendKit", "BackendTestSupport", "CatalogPlugin", "ScaffolderPlugin", "SearchPlugin",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "BackendApp",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
