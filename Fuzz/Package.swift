// swift-tools-version:6.1
// libFuzzer targets for the parts of the backend that parse untrusted input: token verification
// (BackendAuth) and config loading (BackendConfig). Depends on the main package by path and only on
// those two products, so Hummingbird and the HTTP stack stay out of this build graph.
//
// Build and run with scripts/fuzz (Linux; needs the toolchain's libFuzzer):
//   swift build --package-path Fuzz --scratch-path .build-fuzz -c release \
//       -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library
import PackageDescription

let package = Package(
    name: "swift-backend-fuzz",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "swift-backend", path: ".."),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CFuzzSupport",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"]), .brew(["openssl@3"])]
        ),
        // What both executables share: the libFuzzer entry and a NUL-safe substring search.
        .target(name: "FuzzHarness", dependencies: ["CFuzzSupport"]),
        .executableTarget(
            name: "FuzzTokenVerify",
            dependencies: [
                "CFuzzSupport", "FuzzHarness",
                .product(name: "BackendAuth", package: "swift-backend"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "FuzzConfigLoad",
            dependencies: [
                "FuzzHarness",
                .product(name: "BackendConfig", package: "swift-backend"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
