// swift-tools-version:6.2
// 6.2, as the root package: it depends on swift-backend, whose pinned dependencies declare 6.2.
import PackageDescription

// A plugin written against BackendKit alone (plus the scaffolder's action API for the action it contributes), in its
// own package; its backend binary adds the command-line tool (BackendApp) with the sample catalog and scaffolder, and
// its tests the test kit (BackendTesting).
let package = Package(
    name: "hello-plugin",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "HelloPlugin", targets: ["HelloPlugin"]),
        .executable(name: "hello-backend", targets: ["hello-backend"]),
    ],
    dependencies: [
        .package(name: "swift-backend", path: "../..")
    ],
    targets: [
        .target(
            name: "HelloPlugin",
            dependencies: [
                .product(name: "BackendKit", package: "swift-backend"),
                // The scaffolder's action API only (for hello:greet), not the scaffolder.
                .product(name: "ScaffolderActions", package: "swift-backend"),
            ]
        ),
        .executableTarget(
            name: "hello-backend",
            dependencies: [
                "HelloPlugin", .product(name: "BackendApp", package: "swift-backend"),
                .product(name: "CatalogPlugin", package: "swift-backend"),
                .product(name: "ScaffolderPlugin", package: "swift-backend"),
            ]
        ),
        .testTarget(
            name: "HelloPluginTests",
            dependencies: [
                "HelloPlugin",
                .product(name: "BackendKit", package: "swift-backend"),
                .product(name: "BackendTesting", package: "swift-backend"),
                .product(name: "CatalogPlugin", package: "swift-backend"),
                .product(name: "ScaffolderPlugin", package: "swift-backend"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
