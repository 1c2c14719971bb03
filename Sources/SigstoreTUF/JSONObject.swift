import SigstoreJSON
import SigstoreCore

/// Typed access to the members of one JSON object, with one-line errors that name the document and the field.
///
/// Objects that repeat a key are refused: their meaning differs between JSON readers, and they have no canonical form.
/// `null` counts as absent for optional fields, as python-tuf reads them.
struct JSONObject {
    let members: [(String, OrderedJSON)]
    /// Where this object sits, for messages (`"root.json"`, `"root.json keys.abc"`).
    let context: String

    init(_ value: OrderedJSON, context: String) throws {
        guard case .object(let members) = value else {
            throw TUFError(.invalidMetadata, "\(context): expected a json object")
        }
        var seen = Set<String>()
        for (key, _) in members where !seen.insert(key).inserted {
            throw TUFError(.invalidMetadata, "\(context): object repeats key \"\(key)\"")
        }
        self.members = members
        self.context = context
    }

    /// The value of `key`, nil when absent or null.
    func value(_ key: String) -> OrderedJSON? {
        guard let found = members.first(where: { $0.0 == key })?.1 else { return nil }
        if case .null = found { return nil }
        return found
    }

    func required(_ key: String) throws -> OrderedJSON {
        guard let found = value(key) else { throw TUFError(.invalidMetadata, "\(context): missing field \"\(key)\"") }
        return found
    }

    private func mistyped(_ key: String, _ expected: String) -> TUFError {
        TUFError(.invalidMetadata, "\(context): field \"\(key)\" must be \(expected)")
    }

    func string(_ key: String) throws -> String {
        guard case .string(let text) = try required(key) else { throw mistyped(key, "a string") }
        return text
    }

    func optionalString(_ key: String) throws -> String? {
        guard value(key) != nil else { return nil }
        return try string(key)
    }

    func int(_ key: String) throws -> Int {
        guard case .number(let number) = try required(key), let int = Int(exactly: number) else {
            throw mistyped(key, "an integer")
        }
        return int
    }

    func optionalInt(_ key: String) throws -> Int? {
        guard value(key) != nil else { return nil }
        return try int(key)
    }

    func bool(_ key: String) throws -> Bool {
        guard case .bool(let flag) = try required(key) else { throw mistyped(key, "a boolean") }
        return flag
    }

    func optionalBool(_ key: String) throws -> Bool? {
        guard value(key) != nil else { return nil }
        return try bool(key)
    }

    func object(_ key: String) throws -> JSONObject {
        let found = try required(key)
        guard case .object = found else { throw mistyped(key, "an object") }
        return try JSONObject(found, context: "\(context) \(key)")
    }

    func optionalObject(_ key: String) throws -> JSONObject? {
        guard value(key) != nil else { return nil }
        return try object(key)
    }

    func array(_ key: String) throws -> [OrderedJSON] {
        guard case .array(let items) = try required(key) else { throw mistyped(key, "an array") }
        return items
    }

    func stringArray(_ key: String) throws -> [String] {
        try array(key).map { item in
            guard case .string(let text) = item else { throw mistyped(key, "an array of strings") }
            return text
        }
    }

    func optionalStringArray(_ key: String) throws -> [String]? {
        guard value(key) != nil else { return nil }
        return try stringArray(key)
    }

    /// The members of object `key`, whose values must all be strings (hashes).
    func stringMap(_ key: String) throws -> [(String, String)] {
        try object(key).members.map { name, item in
            guard case .string(let text) = item else { throw mistyped(key, "an object of strings") }
            return (name, text)
        }
    }
}
