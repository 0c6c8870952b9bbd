// swift-tools-version:6.0
// 6.0 is the floor: the facade imports its generated layer with `internal import` (SE-0409),
// so apps see the product and not the layer under it.

import Foundation
import PackageDescription

// MARK: - Release binary (the one place a release script rewrites)
//
// Both empty: development. `ClerkKitFFI` is a local C target over the generated header and
// links `libclerkkit` from `../target/debug/testkit`, the test library, which is the shipped
// library plus the test kit (run `scripts/generate-bindings` first).
// Both set: `ClerkKitFFI` is the published XCFramework. A release script replaces exactly
// these two lines and nothing else. The test kit (`ClerkKitTesting`) is offered in
// development only: its Apple binary needs macOS to build (docs/testing-kit.md).
let releaseFFIURL = ""
let releaseFFIChecksum = ""
// MARK: -

// Where the Rust library is for development builds; CLERKKIT_LIB_DIR overrides it
// (e.g. `target/release` or a cross-compiled target directory).
let rustLibraryDirectory = ProcessInfo.processInfo.environment["CLERKKIT_LIB_DIR"]
    ?? URL(fileURLWithPath: Context.packageDirectory)
        .deletingLastPathComponent()
        .appendingPathComponent("target/debug/testkit")
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

let development = releaseFFIURL.isEmpty

// The generated Swift: imported by the facades internally, never re-exported.
let bindingsTargets: [Target] = [
    ffiTarget,
    .target(name: "ClerkKitBindings", dependencies: ["ClerkKitFFI"], path: "Sources/ClerkKitBindings"),
]

// The test kit: a fake Clerk in the test process (bindings/testing) and its Swift facade.
let testingTargets: [Target] = development ? [
    .target(name: "ClerkKitTestingFFI", path: "Sources/ClerkKitTestingFFI"),
    .target(
        name: "ClerkKitTestingBindings",
        dependencies: ["ClerkKitTestingFFI", "ClerkKitBindings"],
        path: "Sources/ClerkKitTestingBindings",
        // The generated test kit names the SDK's own types (HttpTransport, for the transport
        // conformance runner) without importing their module: uniffi 0.32 writes no import for
        // another crate's types. The module is imported into this target's files implicitly,
        // not re-exported, so the test kit's facade never sees the SDK's generated names.
        swiftSettings: [.unsafeFlags(["-Xfrontend", "-import-module", "-Xfrontend", "ClerkKitBindings"])]
    ),
    .target(
        name: "ClerkKitTesting",
        dependencies: ["ClerkKit", "ClerkKitTestingBindings"],
        path: "Sources/ClerkKitTesting"
    ),
    .testTarget(
        name: "ClerkKitTests",
        // ClerkKitTestingBindings: the transport conformance runner, called with the facade's
        // URLSession transport.
        dependencies: ["ClerkKit", "ClerkKitTesting", "ClerkKitTestingBindings"],
        path: "Tests/ClerkKitTests",
        swiftSettings: [.swiftLanguageMode(.v5)]
    ),
    // The README's example: an app's own code tested with the kit, as an app would.
    .testTarget(
        name: "ClerkKitExampleTests",
        dependencies: ["ClerkKit", "ClerkKitTesting"],
        path: "Tests/ClerkKitExampleTests"
    ),
] : []

let package = Package(
    name: "ClerkKit",
    platforms: [.iOS(.v15), .macOS(.v12)],
    products: [
        .library(name: "ClerkKit", targets: ["ClerkKit"]),
    ] + (development ? [.library(name: "ClerkKitTesting", targets: ["ClerkKitTesting"])] : []),
    targets: bindingsTargets + [
        // The cache peek's two C functions (in libclerkkit, outside the UniFFI surface).
        .target(name: "ClerkKitPeek", path: "Sources/ClerkKitPeek"),
        .target(
            name: "ClerkKit",
            dependencies: ["ClerkKitBindings", "ClerkKitFFI", "ClerkKitPeek"],
            path: "Sources/ClerkKit"
        ),
    ] + testingTargets
)
