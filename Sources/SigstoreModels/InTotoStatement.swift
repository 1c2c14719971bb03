#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The parts of an in-toto statement (v0.1 or v1) that verification reads: subjects and predicate type.
public struct InTotoStatement: Decodable, Hashable, Sendable {
    /// `_type` of in-toto Statement v1.
    public static let typeV1 = "https://in-toto.io/Statement/v1"
    /// `_type` of in-toto Statement v0.1.
    public static let typeV01 = "https://in-toto.io/Statement/v0.1"

    /// A subject; `null` entries are kept so that callers can refuse them.
    public struct Subject: Decodable, Hashable, Sendable {
        /// The subject's name.
        public var name: String?
        /// Digests by algorithm name (`sha256`, …), lowercase hex.
        public var digest: [String: String]?
    }

    /// `_type`, when present.
    public var type: String?
    /// The subjects, when present.
    public var subject: [Subject?]?
    /// The predicate type URI, when present.
    public var predicateType: String?

    enum CodingKeys: String, CodingKey {
        case type = "_type"
        case subject, predicateType
    }

    /// Parses a DSSE payload; nil when it is not a JSON object of this shape.
    public init?(payload: [UInt8]) {
        guard let parsed = try? JSONDecoder().decode(InTotoStatement.self, from: Data(payload)) else { return nil }
        self = parsed
    }
}
