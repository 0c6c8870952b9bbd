// swift-tools-version:5.10
// Programs around the ClerkKit package, never part of what apps depend on: the demo that
// `scripts/demo` runs and the cache-hit benchmark that `scripts/bench` runs. A package of its
// own so that the ClerkKit package declares only the library and its tests.

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
            dependencies: [.product(name: "ClerkKit", package: "ClerkKit"), "LocalEmulator"],
            path: "Sources/ClerkKitBench"
        ),
    ]
)
