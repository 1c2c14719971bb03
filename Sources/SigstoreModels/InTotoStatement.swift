#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import SigstoreJSON

/// The parts of an in-toto statement (v0.1 or v1) that verification reads: subjects and predicate type.
public struct InTotoStatement: Hashable, Sendable {
    /// `_type` of in-toto Statement v1.
    public static let typeV1 = "https://in-toto.io/Statement/v1"
    /// `_type` of in-toto Statement v0.1.
    public static let typeV01 = "https://in-toto.io/Statement/v0.1"

    /// A subject; `null` entries are kept so that callers can refuse them.
    public struct Subject: Hashable, Sendable {
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

    /// Parses a DSSE payload; nil when it is not a JSON object of this shape. The predicate is checked to be
    /// well-formed JSON but not built, so a statement carrying a large SBOM costs one scan.
    public init?(payload: [UInt8]) {
        guard case .object(let members)? = try? JSONParser.parse(payload, keepingTopLevel: ["_type", "subject", "predicateType"]) else {
            return nil
        }
        func last(_ key: String) -> OrderedJSON? { members.last(where: { $0.0 == key })?.1 }
        switch last("_type") {
        case .string(let t)?: type = t
        case nil, .null?: type = nil
        default: return nil
        }
        switch last("predicateType") {
        case .string(let t)?: predicateType = t
        case nil, .null?: predicateType = nil
        default: return nil
        }
        switch last("subject") {
        case nil, .null?: subject = nil
        case .array(let items)?:
            var subjects: [Subject?] = []
            for item in items {
                switch item {
                case .null: subjects.append(nil)
                case .object(let fields):
                    var entry = Subject()
                    for (key, value) in fields {
                        switch (key, value) {
                        case ("name", .string(let n)): entry.name = n
                        case ("name", .null): entry.name = nil
                        case ("name", _): return nil
                        case ("digest", .null): entry.digest = nil
                        case ("digest", .object(let digests)):
                            var map: [String: String] = [:]
                            for (alg, hex) in digests {
                                guard case .string(let h) = hex else { return nil }
                                map[alg] = h
                            }
                            entry.digest = map
                        case ("digest", _): return nil
                        default: continue
                        }
                    }
                    subjects.append(entry)
                default: return nil
                }
            }
            subject = subjects
        default: return nil
        }
    }
}
