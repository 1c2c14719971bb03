/// A `Decoder` over a parsed ``OrderedJSON`` tree: the strict documents of ``JSONCoding`` (bundles, trusted roots,
/// signing configs) are read in one pass of ``JSONParser`` (UTF-8, duplicate names, nesting) and decoded from the
/// tree, where Foundation's `JSONDecoder` scanned them again and built a dictionary for every keyed container asked
/// for. Errors are the `DecodingError`s Foundation's decoder throws, with the same coding paths.
struct JSONTreeDecoder: Decoder {
    let value: OrderedJSON
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let members) = value else {
            throw JSONTreeDecoder.mismatch([String: Any].self, "Dictionary<String, Any>", value, codingPath)
        }
        return KeyedDecodingContainer(Keyed<Key>(members: members, codingPath: codingPath))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let items) = value else {
            throw JSONTreeDecoder.mismatch([Any].self, "Array<Any>", value, codingPath)
        }
        return Unkeyed(items: items, codingPath: codingPath)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { Single(value: value, codingPath: codingPath) }

    /// What a JSON value is, as Foundation's messages name it.
    static func kind(_ value: OrderedJSON) -> String {
        switch value {
        case .string, .base64: "a string"
        case .number, .raw: "number"
        case .bool: "bool"
        case .null: "null"
        case .array: "an array"
        case .object: "a dictionary"
        }
    }

    static func mismatch(_ type: Any.Type, _ name: String, _ value: OrderedJSON, _ path: [any CodingKey]) -> DecodingError {
        if case .null = value {
            return .valueNotFound(type, .init(codingPath: path, debugDescription: "Cannot get value of type \(name) -- found null value instead"))
        }
        return .typeMismatch(type, .init(codingPath: path, debugDescription: "Expected to decode \(name) but found \(kind(value)) instead."))
    }

    /// Decodes `type` from `value`: JSON's own types directly, anything else through its `init(from:)`.
    static func unbox<T: Decodable>(_ type: T.Type, from value: OrderedJSON, path: [any CodingKey]) throws -> T {
        if T.self == String.self {
            guard case .string(let s) = value else { throw mismatch(String.self, "String", value, path) }
            return s as! T
        }
        if T.self == Bool.self {
            guard case .bool(let b) = value else { throw mismatch(Bool.self, "Bool", value, path) }
            return b as! T
        }
        // Metatype comparisons, not a cast to `FixedWidthInteger` (a conformance lookup for every nested type).
        if T.self == Int64.self { return try integer(Int64.self, from: value, path: path) as! T }
        if T.self == Int.self { return try integer(Int.self, from: value, path: path) as! T }
        if T.self == Int32.self { return try integer(Int32.self, from: value, path: path) as! T }
        if T.self == UInt64.self { return try integer(UInt64.self, from: value, path: path) as! T }
        if T.self == UInt32.self { return try integer(UInt32.self, from: value, path: path) as! T }
        if T.self == UInt.self { return try integer(UInt.self, from: value, path: path) as! T }
        if T.self == Int16.self { return try integer(Int16.self, from: value, path: path) as! T }
        if T.self == UInt16.self { return try integer(UInt16.self, from: value, path: path) as! T }
        if T.self == Int8.self { return try integer(Int8.self, from: value, path: path) as! T }
        if T.self == UInt8.self { return try integer(UInt8.self, from: value, path: path) as! T }
        if T.self == Double.self { return try floating(value, path: path) as! T }
        if T.self == Float.self { return Float(try floating(value, path: path)) as! T }
        return try T(from: JSONTreeDecoder(value: value, codingPath: path))
    }

    static func integer<I: FixedWidthInteger>(_ type: I.Type, from value: OrderedJSON, path: [any CodingKey]) throws -> I {
        switch value {
        case .number(let n):
            if let exact = I(exactly: n) { return exact }
            throw DecodingError.dataCorrupted(.init(codingPath: path, debugDescription: "Number \(n) is not representable in Swift."))
        case .raw(let text):
            // A number with a fraction or an exponent, or past Int64: an integer only where it is one exactly.
            if let exact = I(text) { return exact }
            if let d = Double(text), d.isFinite, d.rounded() == d, let exact = I(exactly: d) { return exact }
            throw DecodingError.dataCorrupted(.init(codingPath: path, debugDescription: "Number \(text) is not representable in Swift."))
        default:
            throw mismatch(I.self, "\(I.self)", value, path)
        }
    }

    static func floating(_ value: OrderedJSON, path: [any CodingKey]) throws -> Double {
        switch value {
        case .number(let n): return Double(n)
        case .raw(let text):
            if let d = Double(text), d.isFinite { return d }
            throw DecodingError.dataCorrupted(.init(codingPath: path, debugDescription: "Number \(text) is not representable in Swift."))
        default: throw mismatch(Double.self, "Double", value, path)
        }
    }

    struct Keyed<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let members: [(String, OrderedJSON)]
        let codingPath: [any CodingKey]

        var allKeys: [Key] { members.compactMap { Key(stringValue: $0.0) } }

        func contains(_ key: Key) -> Bool { find(key) != nil }

        func find(_ key: Key) -> OrderedJSON? {
            let name = key.stringValue
            for (k, v) in members where k == name { return v }
            return nil
        }

        func require(_ key: Key) throws -> OrderedJSON {
            guard let value = find(key) else {
                throw DecodingError.keyNotFound(
                    key, .init(codingPath: codingPath, debugDescription: "No value associated with key \(key) (\"\(key.stringValue)\")."))
            }
            return value
        }

        func decodeNil(forKey key: Key) throws -> Bool {
            if case .null = try require(key) { return true }
            return false
        }

        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try decode(type, key) }

        func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
            guard let value = find(key) else { return nil }
            if case .null = value { return nil }
            return try JSONTreeDecoder.unbox(type, from: value, path: codingPath + [key])
        }

        func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try decode(type as Bool.Type, key) }
        func decode(_ type: String.Type, forKey key: Key) throws -> String { try decode(type as String.Type, key) }
        func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try decode(type as Double.Type, key) }
        func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try decode(type as Float.Type, key) }
        func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try decode(type as Int.Type, key) }
        func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try decode(type as Int8.Type, key) }
        func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try decode(type as Int16.Type, key) }
        func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try decode(type as Int32.Type, key) }
        func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try decode(type as Int64.Type, key) }
        func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try decode(type as UInt.Type, key) }
        func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try decode(type as UInt8.Type, key) }
        func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try decode(type as UInt16.Type, key) }
        func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try decode(type as UInt32.Type, key) }
        func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try decode(type as UInt64.Type, key) }

        private func decode<T: Decodable>(_ type: T.Type, _ key: Key) throws -> T {
            try JSONTreeDecoder.unbox(type, from: try require(key), path: codingPath + [key])
        }

        func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
            try JSONTreeDecoder(value: try require(key), codingPath: codingPath + [key]).container(keyedBy: type)
        }

        func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
            try JSONTreeDecoder(value: try require(key), codingPath: codingPath + [key]).unkeyedContainer()
        }

        func superDecoder() throws -> any Decoder {
            JSONTreeDecoder(value: members.first { $0.0 == "super" }?.1 ?? .null, codingPath: codingPath + [SuperKey.super])
        }

        func superDecoder(forKey key: Key) throws -> any Decoder {
            JSONTreeDecoder(value: find(key) ?? .null, codingPath: codingPath + [key])
        }
    }

    private enum SuperKey: String, CodingKey { case `super` }

    struct Unkeyed: UnkeyedDecodingContainer {
        let items: [OrderedJSON]
        let codingPath: [any CodingKey]
        var currentIndex = 0

        init(items: [OrderedJSON], codingPath: [any CodingKey]) {
            self.items = items
            self.codingPath = codingPath
        }

        var count: Int? { items.count }
        var isAtEnd: Bool { currentIndex >= items.count }

        private var indexKey: any CodingKey { IndexKey(intValue: currentIndex) }

        private mutating func next(_ type: Any.Type) throws -> OrderedJSON {
            guard !isAtEnd else {
                throw DecodingError.valueNotFound(
                    type, .init(codingPath: codingPath + [indexKey], debugDescription: "Unkeyed container is at end."))
            }
            defer { currentIndex += 1 }
            return items[currentIndex]
        }

        mutating func decodeNil() throws -> Bool {
            guard !isAtEnd else {
                throw DecodingError.valueNotFound(
                    Any?.self, .init(codingPath: codingPath + [indexKey], debugDescription: "Unkeyed container is at end."))
            }
            if case .null = items[currentIndex] {
                currentIndex += 1
                return true
            }
            return false
        }

        mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try decode(as: type) }

        mutating func decode(_ type: Bool.Type) throws -> Bool { try decode(as: type) }
        mutating func decode(_ type: String.Type) throws -> String { try decode(as: type) }
        mutating func decode(_ type: Double.Type) throws -> Double { try decode(as: type) }
        mutating func decode(_ type: Float.Type) throws -> Float { try decode(as: type) }
        mutating func decode(_ type: Int.Type) throws -> Int { try decode(as: type) }
        mutating func decode(_ type: Int8.Type) throws -> Int8 { try decode(as: type) }
        mutating func decode(_ type: Int16.Type) throws -> Int16 { try decode(as: type) }
        mutating func decode(_ type: Int32.Type) throws -> Int32 { try decode(as: type) }
        mutating func decode(_ type: Int64.Type) throws -> Int64 { try decode(as: type) }
        mutating func decode(_ type: UInt.Type) throws -> UInt { try decode(as: type) }
        mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try decode(as: type) }
        mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try decode(as: type) }
        mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try decode(as: type) }
        mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try decode(as: type) }

        private mutating func decode<T: Decodable>(as type: T.Type) throws -> T {
            let path = codingPath + [indexKey]
            return try JSONTreeDecoder.unbox(type, from: try next(type), path: path)
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
            let path = codingPath + [indexKey]
            return try JSONTreeDecoder(value: try next([String: Any].self), codingPath: path).container(keyedBy: type)
        }

        mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
            let path = codingPath + [indexKey]
            return try JSONTreeDecoder(value: try next([Any].self), codingPath: path).unkeyedContainer()
        }

        mutating func superDecoder() throws -> any Decoder {
            let path = codingPath + [indexKey]
            return JSONTreeDecoder(value: try next(Any.self), codingPath: path)
        }
    }

    struct Single: SingleValueDecodingContainer {
        let value: OrderedJSON
        let codingPath: [any CodingKey]

        func decodeNil() -> Bool {
            if case .null = value { return true }
            return false
        }

        func decode<T: Decodable>(_ type: T.Type) throws -> T { try JSONTreeDecoder.unbox(type, from: value, path: codingPath) }
        func decode(_ type: Bool.Type) throws -> Bool { try JSONTreeDecoder.unbox(type, from: value, path: codingPath) }
        func decode(_ type: String.Type) throws -> String { try JSONTreeDecoder.unbox(type, from: value, path: codingPath) }
        func decode(_ type: Double.Type) throws -> Double { try JSONTreeDecoder.unbox(type, from: value, path: codingPath) }
        func decode(_ type: Float.Type) throws -> Float { try JSONTreeDecoder.unbox(type, from: value, path: codingPath) }
        func decode(_ type: Int.Type) throws -> Int { try JSONTreeDecoder.unbox(type, from: value, path: codingPath) }
        func decode(_ type: Int8.Type) throws -> Int8 { try JSONTreeDecoder.unbox(type, from: value, path: codingPath) }
        func decode(_ type: Int16.Type) throws -> Int16 { try JSONTreeDecoder.unbox(type, from: value, path: codingPath) }
        func decode(_ type: Int32.Type) throws -> Int32 { try JSONTreeDecoder.unbox(type, from: value, path: codingPath) }
        func decode(_ type: Int64.Type) throws -> Int64 { try JSONTreeDecoder.unbox(type, from: value, path: codingPath) }
        func decode(_ type: UInt.Type) throws -> UInt { try JSONTreeDecoder.unbox(type, from: value, path: codingPath) }
        func decode(_ type: UInt8.Type) throws -> UInt8 { try JSONTreeDecoder.unbox(type, from: value, path: codingPath) }
        func decode(_ type: UInt16.Type) throws -> UInt16 { try JSONTreeDecoder.unbox(type, from: value, path: codingPath) }
        func decode(_ type: UInt32.Type) throws -> UInt32 { try JSONTreeDecoder.unbox(type, from: value, path: codingPath) }
        func decode(_ type: UInt64.Type) throws -> UInt64 { try JSONTreeDecoder.unbox(type, from: value, path: codingPath) }
    }

    /// An array index in a coding path.
    struct IndexKey: CodingKey {
        var intValue: Int?
        var stringValue: String { "Index \(intValue ?? 0)" }
        init(intValue: Int) { self.intValue = intValue }
        init?(stringValue: String) { nil }
    }
}
