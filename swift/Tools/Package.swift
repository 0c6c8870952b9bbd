// swift-tools-version:5.10
// Programs around the ClerkKit package, never part of what apps depend on: the demo that
// `scripts/demo` runs and the benchmark (cache hit, token refresh) that `scripts/bench` runs.
// A package of its own so that the ClerkKit package declares only the libraries and their
// tests.

import PackageDescription

let package = Package(
    name: "ClerkKitTools",
    platforms: [.macOS(.v12)],
    dependencies: [
        .package(name: "ClerkKit", path: ".."),
    ],
    targets: [
        .target(name: "LocalEmulator", path: "Sources/LocalEmulator"),
        .executableTarget(
            name: "ClerkKitDemo",
            dependencies: [.product(name: "ClerkKit", package: "ClerkKit"), "LocalEmulator"],
            path: "Sources/ClerkKitDemo"
        ),
        .executableTarget(
            name: "ClerkKitBench",
            dependencies: [
                .product(name: "ClerkKit", package: "ClerkKit"),
                // The fake Clerk the token-refresh benchmark talks to.
                .product(name: "ClerkKitTesting", package: "ClerkKit"),
                "LocalEmulator",
            ],
            path: "Sources/ClerkKitBench"
        ),
    ]
)
