import Foundation

/// A JSON value as a scenario file holds it, booleans apart from numbers (Foundation's
/// `JSONSerialization` hands both over as `NSNumber`, so `"token": 1` would read as `true`).
enum JSONValue: Decodable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    static func parse(_ data: Data) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: data)
    }

    /// The value as Foundation's JSON objects, to hand to the emulator's control API.
    var foundation: Any {
        switch self {
        case .null: return NSNull()
        case let .bool(value): return value
        case let .number(value): return value.rounded() == value && abs(value) < 1e15 ? Int(value) as Any : value
        case let .string(value): return value
        case let .array(values): return values.map(\.foundation)
        case let .object(fields): return fields.mapValues(\.foundation)
        }
    }

    var kind: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}

/// One JSON object of a scenario, read key by key. Every key the runner reads is ticked off
/// (with the objects read inside it); `unread` names the rest, so a misspelt key, a check the
/// runner does not know or an expectation the step never reaches fails the scenario instead
/// of being skipped. A value of the wrong type fails at once.
final class ScenarioFields {
    let path: String
    private let fields: [String: JSONValue]
    private var read: Set<String> = []
    private var nested: [ScenarioFields] = []

    init(_ value: JSONValue, path: String) throws {
        guard case let .object(fields) = value else {
            throw ScenarioFailure("\(path) is \(value.kind), not an object")
        }
        self.path = path
        self.fields = fields
    }

    /// The keys present, read or not.
    var keys: Set<String> {
        Set(fields.keys)
    }

    /// Every key present and never read, with its path, here and in the objects read inside.
    var unread: [String] {
        fields.keys.filter { !read.contains($0) }.map { "\(path).\($0)" }.sorted() + nested.flatMap(\.unread)
    }

    /// Fails on anything not read.
    func finish() throws {
        let left = unread
        guard left.isEmpty else {
            throw ScenarioFailure("not executed: \(left.joined(separator: ", "))")
        }
    }

    /// The value as it is, for keys handed on whole (a fault rule, which the emulator checks).
    func raw(_ key: String) -> JSONValue? {
        guard let value = fields[key] else {
            return nil
        }
        read.insert(key)
        return value
    }

    func bool(_ key: String) throws -> Bool? {
        try typed(key, "a boolean") { if case let .bool(value) = $0 { value } else { nil } }
    }

    func string(_ key: String) throws -> String? {
        try typed(key, "a string") { if case let .string(value) = $0 { value } else { nil } }
    }

    func number(_ key: String) throws -> Double? {
        try typed(key, "a number") { if case let .number(value) = $0, value.isFinite { value } else { nil } }
    }

    func integer(_ key: String) throws -> Int64? {
        try typed(key, "a whole number") {
            if case let .number(value) = $0, value.rounded() == value, abs(value) < 1e15 { Int64(value) } else { nil }
        }
    }

    func array(_ key: String) throws -> [JSONValue]? {
        try typed(key, "an array") { if case let .array(values) = $0 { values } else { nil } }
    }

    func object(_ key: String) throws -> ScenarioFields? {
        guard let value = raw(key) else {
            return nil
        }
        let object = try ScenarioFields(value, path: "\(path).\(key)")
        nested.append(object)
        return object
    }

    /// `true`, the only value a flag action takes: `"sign_out": false` would read as "do not".
    func flag(_ key: String) throws {
        guard try bool(key) == true else {
            throw ScenarioFailure("\(path).\(key) takes true, not false")
        }
    }

    private func typed<T>(_ key: String, _ kind: String, _ cast: (JSONValue) -> T?) throws -> T? {
        guard let value = raw(key) else {
            return nil
        }
        guard let typed = cast(value) else {
            throw ScenarioFailure("\(path).\(key) takes \(kind), not \(value.kind)")
        }
        return typed
    }
}
