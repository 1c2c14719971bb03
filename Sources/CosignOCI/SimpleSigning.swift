#if canImport(FoundationEssentials)
internal import FoundationEssentials
#else
internal import Foundation
#endif
import SigstoreModels
public import SigstoreJSON

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
        public var object: [(String, OrderedJSON)]
    }

    /// Parses a payload; nil when it is not a simple-signing document.
    public static func parse(_ bytes: [UInt8]) -> Parsed? {
        guard let value = try? JSONParser.parse(bytes), let root = value.objectMembers, let critical = value["critical"],
            let digest = critical["image"]?["docker-manifest-digest"]?.stringValue, let type = critical["type"]?.stringValue
        else { return nil }
        let reference = critical["identity"]?["docker-reference"]?.stringValue
        var optional: [String: String] = [:]
        for (key, value) in value["optional"]?.objectMembers ?? [] { optional[key] = value.text }
        return Parsed(dockerReference: reference, manifestDigest: digest, type: type, optional: optional, object: root)
    }
}

