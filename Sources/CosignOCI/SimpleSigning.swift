#if canImport(FoundationEssentials)
internal import FoundationEssentials
#else
internal import Foundation
#endif
public import SigstoreModels

/// The simple-signing payload of a legacy cosign image signature (`sigstore/sigstore pkg/signature/payload`):
/// `{"critical":{"identity":{"docker-reference":…},"image":{"docker-manifest-digest":…},"type":"cosign container image signature"},"optional":…}`.
public struct SimpleSigningPayload: Sendable, Hashable {
    /// The `critical.type` value cosign writes and requires.
    public static let type = "cosign container image signature"

    /// `critical.identity.docker-reference`: the repository the signer named (registry included).
    public var dockerReference: String
    /// `critical.image.docker-manifest-digest`: `sha256:<hex>` of the signed manifest.
    public var manifestDigest: String
    /// `optional`: the `-a key=value` annotations (nil is written as JSON null).
    public var annotations: [String: String]?

    /// Creates a payload.
    public init(dockerReference: String, manifestDigest: String, annotations: [String: String]? = nil) {
        self.dockerReference = dockerReference
        self.manifestDigest = manifestDigest
        self.annotations = annotations
    }

    /// The bytes Go's `json.Marshal` produces: struct fields in declaration order, map keys sorted, HTML escaped.
    public func jsonBytes() -> [UInt8] {
        let optional: OrderedJSON =
            annotations.map { map in .object(map.keys.sorted().map { ($0, .string(map[$0]!)) }) } ?? .null
        return Self.document(dockerReference: dockerReference, manifestDigest: manifestDigest, type: Self.type, optional: optional)
            .serialized(escapeHTML: true)
    }

    /// The `{"critical":{…},"optional":…}` document in Go's field order (cosign's `payload.SimpleContainerImage`),
    /// for payloads and for `verify`'s output.
    public static func document(dockerReference: String, manifestDigest: String, type: String, optional: OrderedJSON) -> OrderedJSON {
        .object([
            (
                "critical",
                .object([
                    ("identity", .object([("docker-reference", .string(dockerReference))])),
                    ("image", .object([("docker-manifest-digest", .string(manifestDigest))])),
                    ("type", .string(type)),
                ])
            ),
            ("optional", optional),
        ])
    }

    /// A payload parsed from a signature layer. `optional` values that are not strings are kept as their JSON text.
    public struct Parsed: Sendable {
        /// `critical.identity.docker-reference`.
        public var dockerReference: String?
        /// `critical.image.docker-manifest-digest`.
        public var manifestDigest: String
        /// `critical.type`.
        public var type: String
        /// `optional`, values as strings.
        public var optional: [String: String]
        /// The whole payload as a JSON object (for cosign's JSON output).
        public var object: [String: JSONValue]
    }

    /// Parses a payload; nil when it is not a simple-signing document.
    public static func parse(_ bytes: [UInt8]) -> Parsed? {
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(bytes)), case .object(let root) = value,
            case .object(let critical)? = root["critical"], case .object(let image)? = critical["image"],
            case .string(let digest)? = image["docker-manifest-digest"], case .string(let type)? = critical["type"]
        else { return nil }
        var reference: String?
        if case .object(let identity)? = critical["identity"], case .string(let r)? = identity["docker-reference"] {
            reference = r
        }
        var optional: [String: String] = [:]
        if case .object(let o)? = root["optional"] {
            for (k, v) in o { optional[k] = v.stringValue }
        }
        return Parsed(dockerReference: reference, manifestDigest: digest, type: type, optional: optional, object: root)
    }
}

/// Any JSON value, decoded without loss of structure (numbers as their decimal text).
public enum JSONValue: Codable, Sendable, Hashable {
    case string(String)
    case number(String)
    case bool(Bool)
    case null
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self = .null
        } else if let b = try? c.decode(Bool.self) {
            self = .bool(b)
        } else if let i = try? c.decode(Int64.self) {
            self = .number(String(i))
        } else if let d = try? c.decode(Double.self) {
            self = .number(String(d))
        } else if let s = try? c.decode(String.self) {
            self = .string(s)
        } else if let a = try? c.decode([JSONValue].self) {
            self = .array(a)
        } else {
            self = .object(try c.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .string(let s): try c.encode(s)
        case .number(let n):
            if let i = Int64(n) { try c.encode(i) } else { try c.encode(Double(n) ?? 0) }
        case .bool(let b): try c.encode(b)
        case .null: try c.encodeNil()
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }

    /// The value as a string: strings as is, other scalars as their JSON text, containers as compact JSON.
    public var stringValue: String {
        switch self {
        case .string(let s): return s
        case .number(let n): return n
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        case .array, .object: return String(decoding: ordered.serialized(), as: UTF8.self)
        }
    }

    /// The value as ordered JSON, object keys sorted (as Go marshals maps).
    public var ordered: OrderedJSON {
        switch self {
        case .string(let s): return .string(s)
        case .number(let n): return .raw(n)
        case .bool(let b): return .bool(b)
        case .null: return .null
        case .array(let a): return .array(a.map(\.ordered))
        case .object(let o): return .object(o.keys.sorted().map { ($0, o[$0]!.ordered) })
        }
    }
}
