import Foundation

/// A token prints without its JWT, so logging one (`print`, string interpolation, `dump`,
/// test failure messages) never leaks a credential. Read `jwt` explicitly to use it.
extension TokenResource: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String {
        "TokenResource(jwt: <redacted>, expiresAt: \(expiresAt), issuedAt: \(issuedAt))"
    }

    public var debugDescription: String {
        description
    }

    public var customMirror: Mirror {
        Mirror(
            self,
            children: ["jwt": "<redacted>", "expiresAt": expiresAt, "issuedAt": issuedAt],
            displayStyle: .struct
        )
    }
}
