public import SigstoreJSON
import SigstoreCore
import Synchronization

/// A DSSE envelope (`io.intoto.Envelope`): a payload, its type and signatures over the PAE encoding.
public struct DSSEEnvelope: Decodable, Hashable, Sendable {
    /// The signed payload bytes.
    public var payload: Base64Bytes
    /// The payload type, e.g. `application/vnd.in-toto+json`.
    public var payloadType: String
    /// Signatures over ``preAuthenticationEncoding``.
    public var signatures: [Signature]
    /// The statement parsed from ``payload``, kept so that the checks that each read it (subjects, predicate type)
    /// scan a large payload once. Not part of the envelope's value.
    let statementCache = StatementCache()

    /// The in-toto statement in ``payload`` (nil when it is not one), parsed once per payload.
    public var statement: InTotoStatement? { statementCache.statement(for: payload.bytes) }

    /// One DSSE signature.
    public struct Signature: Decodable, Hashable, Sendable {
        /// The signature bytes.
        public var sig: Base64Bytes
        /// An optional key id.
        public var keyid: String?

        /// Creates a signature entry.
        public init(sig: [UInt8], keyid: String? = nil) {
            self.sig = Base64Bytes(sig)
            self.keyid = keyid
        }

        enum CodingKeys: String, CodingKey, CaseIterable { case sig, keyid }
        public init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            sig = try c.decodeIfPresent(Base64Bytes.self, forKey: .sig) ?? Base64Bytes([])
            keyid = try c.decodeIfPresent(String.self, forKey: .keyid)
        }
    }

    /// Creates an envelope.
    public init(payload: [UInt8], payloadType: String, signatures: [Signature]) {
        self.payload = Base64Bytes(payload)
        self.payloadType = payloadType
        self.signatures = signatures
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case payload, payloadType, signatures }
    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        payload = try c.decode(Base64Bytes.self, forKey: .payload)
        payloadType = try c.decode(String.self, forKey: .payloadType)
        signatures = try c.decodeIfPresent([Signature].self, forKey: .signatures) ?? []
        guard signatures.count <= Limits.maxSignatures else {
            throw BundleError(.tooLarge, "DSSE envelope has more than \(Limits.maxSignatures) signatures")
        }
    }

    /// The DSSE v1 pre-authentication encoding `"DSSEv1" SP len(type) SP type SP len(body) SP body`.
    public static func preAuthenticationEncoding(payloadType: String, payload: [UInt8]) -> [UInt8] {
        var out = preAuthenticationHeader(payloadType: payloadType, payloadLength: payload.count)
        out.append(contentsOf: payload)
        return out
    }

    /// The pre-authentication encoding up to the payload: what a signer hashes before a payload it streams.
    public static func preAuthenticationHeader(payloadType: String, payloadLength: Int) -> [UInt8] {
        Array("DSSEv1 \(payloadType.utf8.count) \(payloadType) \(payloadLength) ".utf8)
    }

    /// The PAE of this envelope: the bytes its signatures cover.
    public var preAuthenticationEncoding: [UInt8] {
        Self.preAuthenticationEncoding(payloadType: payloadType, payload: payload.bytes)
    }
}

/// The last statement parsed from an envelope's payload. A payload equal to the one parsed (the same storage, in the
/// usual case, so the comparison costs nothing) gets the stored result.
final class StatementCache: Hashable, Sendable {
    private let entry = Mutex<(payload: [UInt8], statement: InTotoStatement?)?>(nil)

    func statement(for payload: [UInt8]) -> InTotoStatement? {
        if let cached = entry.withLock({ $0 }), cached.payload == payload { return cached.statement }
        let parsed = InTotoStatement(payload: payload)
        entry.withLock { $0 = (payload, parsed) }
        return parsed
    }

    static func == (lhs: StatementCache, rhs: StatementCache) -> Bool { true }
    func hash(into hasher: inout Hasher) {}
}

