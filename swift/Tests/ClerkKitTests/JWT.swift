import Foundation

/// The claims of a JWT's payload (not verified).
func jwtClaims(_ jwt: String) throws -> [String: Any] {
    let parts = jwt.split(separator: ".", omittingEmptySubsequences: false)
    guard parts.count == 3 else {
        throw EmulatorError("not a JWT: \(parts.count) parts")
    }
    var base64 = parts[1].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
    while base64.count % 4 != 0 {
        base64.append("=")
    }
    guard let payload = Data(base64Encoded: base64),
          let claims = try JSONSerialization.jsonObject(with: payload) as? [String: Any]
    else {
        throw EmulatorError("the JWT payload is not a JSON object")
    }
    return claims
}
