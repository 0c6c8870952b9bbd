// swift-tools-version:6.0
// An app's own package, outside the workspace's build, set up as the docs say: it depends on
// the checkout's swift/ folder by path, with ClerkKitTesting for its tests. scripts/test-consumers
// lays it out in build/consumers/swiftpm with doc-snippets (tests/snippets): each
// `/* doc-snippets: NAME */` below becomes the docs' manifest blocks, the docs' Swift blocks
// become Sources/App/Snippets and Tests/AppTests/Snippets.

import PackageDescription

// The docs' dependencies on a released package: compiled with the manifest, never resolved.
let releaseDependencies: [Package.Dependency] = [
    /* doc-snippets: unused */
]

let package = Package(
    name: "ClerkKitConsumer",
    platforms: [.iOS(.v15), .macOS(.v12)],
    dependencies: [
        /* doc-snippets: dependencies */
    ],
    targets: [
        /* doc-snippets: targets */
    ]
)
_ = releaseDependencies
