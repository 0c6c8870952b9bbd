import Foundation

// uniffi 0.32 declares `Sendable` for records and enums only under `#if compiler(>=6)`
// (its RecordTemplate/EnumTemplate/ErrorTemplate); no bindgen setting changes that. For
// Swift 5.10 compilers the records' conformances are added here. Every stored property of
// these types is an immutable value (`let`, strings, numbers, arrays and dictionaries of
// them), so sharing them across tasks is safe. `@unchecked` because a checked conformance
// must be declared in the type's own file, which is generated. `ClerkError` needs nothing:
// every `Error` is `Sendable`.
#if !compiler(>=6)
extension ClerkApiError: @unchecked Sendable {}
extension ClerkEvent: @unchecked Sendable {}
extension ClerkSettings: @unchecked Sendable {}
extension GetTokenOptions: @unchecked Sendable {}
extension TokenResource: @unchecked Sendable {}
#endif
