// swift-tools-version:5.10
// 5.10 is the floor: the generated bindings use `nonisolated(unsafe)` (Swift 5.10+).

import Foundation
import PackageDescription

// MARK: - Release binary (the one place a release script rewrites)
//
// Both empty: development. `ClerkKitFFI` is a local C target over the generated header and
// links `libclerkkit` from `../target/debug` (run `scripts/generate-bindings` first).
// Both set: `ClerkKitFFI` is the published XCFramework. A release script replaces exactly
// these two lines and nothing else.
let releaseFFIURL = ""
let releaseFFIChecksum = ""
// MARK: -

// Where the Rust library is for development builds; CLERKKIT_LIB_DIR overrides it
// (e.g. `target/release` or a cross-compiled target directory).
let rustLibraryDirectory = ProcessInfo.processInfo.environment["CLERKKIT_LIB_DIR"]
    ?? URL(fileURLWithPath: Context.packageDirectory)
        .deletingLastPathComponent()
        .appendingPathComponent("target/debug")
        .path

let ffiTarget: Target
if releaseFFIURL.isEmpty {
    ffiTarget = .target(
        name: "ClerkKitFFI",
        path: "Sources/ClerkKitFFI",
        linkerSettings: [
            .linkedLibrary("clerkkit"),
            .unsafeFlags([
                "-L", rustLibraryDirectory,
                "-Xlinker", "-rpath", "-Xlinker", rustLibraryDirectory,
            ]),
        ]
    )
} else {
    ffiTarget = .binaryTarget(
        name: "ClerkKitFFI",
        url: releaseFFIURL,
        checksum: releaseFFIChecksum
    )
}

let package = Package(
    name: "ClerkKit",
    platforms: [.iOS(.v15), .macOS(.v12)],
    products: [
        .library(name: "ClerkKit", targets: ["ClerkKit"]),
    ],
    targets: [
        ffiTarget,
        // The cache peek's two C functions (in libclerkkit, outside the UniFFI surface).
        .target(name: "ClerkKitPeek", path: "Sources/ClerkKitPeek"),
        .target(
            name: "ClerkKit",
            dependencies: ["ClerkKitFFI", "ClerkKitPeek"],
            path: "Sources/ClerkKit"
        ),
        .testTarget(
            name: "ClerkKitTests",
            dependencies: ["ClerkKit"],
            path: "Tests/ClerkKitTests"
        ),
    ]
)
