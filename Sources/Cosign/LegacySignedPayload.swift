import SigstoreModels
public import SigstoreJSON
import SigstoreCore

/// cosign's legacy blob bundle (`LocalSignedPayload`), written by `sign-blob --new-bundle-format=false --bundle`.
///
/// `cert` holds base64 of a PEM certificate or public key (older image writers used base64 DER); `rekorBundle` is
/// present only when the signature was logged.
public struct LegacySignedPayload: Decodable, Hashable, Sendable {
    /// Base64 of the raw signature.
    public var base64Signature: String
    /// Base64 of the PEM certificate or public key, if any.
    public var cert: String?
    /// The Rekor bundle (SET and entry payload), kept as parsed JSON.
    public var rekorBundle: RekorBundle?

    /// Creates a payload.
    public init(base64Signature: String, cert: String?, rekorBundle: RekorBundle? = nil) {
        self.base64Signature = base64Signature
        self.cert = cert
        self.rekorBundle = rekorBundle
    }

    /// The `rekorBundle` object of a legacy bundle.
    public struct RekorBundle: Decodable, Hashable, Sendable {
        public var SignedEntryTimestamp: Base64Bytes
        public var Payload: Payload
        /// The logged entry.
        public struct Payload: Decodable, Hashable, Sendable {
            public var body: String
            public var integratedTime: Int64
            public var logIndex: Int64
            public var logID: String
        }
    }

    enum CodingKeys: String, CodingKey { case base64Signature, cert, rekorBundle }

    /// The text of `cert`: base64 decoded when it is base64 (as cosign writes it), else as stored; nil when absent.
    public var certText: String? {
        guard let cert, !cert.isEmpty else { return nil }
        return Base64.decodeStrict(cert).map { String(decoding: $0, as: UTF8.self) } ?? cert
    }

    /// Parses the JSON.
    public init(jsonData: [UInt8]) throws {
        do {
            self = try JSONCoding.decode(LegacySignedPayload.self, from: jsonData, what: "legacy bundle")
        } catch let error as any ReportableError {
            throw CosignError(.invalidInput, error.message)
        }
    }

    /// The JSON text cosign writes (Go `json.Marshal` field order).
    public func jsonData() -> [UInt8] {
        var members: [(String, OrderedJSON)] = [("base64Signature", .string(base64Signature))]
        if let cert, !cert.isEmpty { members.append(("cert", .string(cert))) }
        if let rekorBundle {
            members.append(
                ("rekorBundle", .object([
                    ("SignedEntryTimestamp", .string(Base64.encode(rekorBundle.SignedEntryTimestamp.bytes))),
                    ("Payload", .object([
                        ("body", .string(rekorBundle.Payload.body)),
                        ("integratedTime", .number(rekorBundle.Payload.integratedTime)),
                        ("logIndex", .number(rekorBundle.Payload.logIndex)),
                        ("logID", .string(rekorBundle.Payload.logID)),
                    ])),
                ])))
        }
        return OrderedJSON.object(members).serialized(escapeHTML: true)
    }
}
