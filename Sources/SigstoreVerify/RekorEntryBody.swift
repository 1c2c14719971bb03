#if canImport(FoundationEssentials)
internal import FoundationEssentials
#else
internal import Foundation
#endif
public import SigstoreCrypto
internal import SigstoreModels
import SigstoreJSON
import SigstoreCore

/// What a Rekor v1 entry body (`canonicalizedBody`) records about the signature it logs.
///
/// Kinds read: `hashedrekord` 0.0.1, `dsse` 0.0.1 and `intoto` 0.0.2. Rekor v2 bodies are not read: the verifier
/// rebuilds them from the bundle (``RekorV2Body``), as sigstore-go does.
public struct RekorV1Body: Sendable, Hashable {
    /// The entry kind.
    public var kind: String
    /// The entry API version.
    public var apiVersion: String
    /// The logged signature bytes (the first signature for DSSE kinds).
    public var signature: [UInt8]
    /// The logged PEM certificate or public key, decoded from base64.
    public var verifierPEM: String
    /// For `hashedrekord`: the logged artifact digest.
    public var digest: ArtifactDigest?
    /// For `dsse` and `intoto`: the SHA-256 of the envelope payload.
    public var payloadSHA256: [UInt8]?

    /// Parses a canonicalized body.
    public init(canonicalizedBody body: [UInt8]) throws {
        // One decoding: the kind and version, and the spec of the kinds read (the spec decoded by the kind).
        // Read as strictly as the bundle (one pass of the strict JSON reader: UTF-8, no member twice): Rekor writes
        // canonical JSON, and readers that keep the first or the last of a repeated member would disagree.
        let entry: Entry
        do {
            entry = try JSONCoding.decode(Entry.self, from: body, what: "transparency log entry body", strict: true)
        } catch let error as VerificationError {
            throw error
        } catch {
            throw VerificationError(.transparencyLog, "transparency log entry body is not a Rekor entry")
        }
        let head = entry.head
        kind = head.kind
        apiVersion = head.apiVersion
        do {
            switch (head.kind, head.apiVersion) {
            case ("hashedrekord", "0.0.1"):
                guard case .hashedRekord(let spec) = entry.spec else { throw Bad.field("spec") }
                guard let sig = Base64.decodeStrict(spec.signature.content), !sig.isEmpty else { throw Bad.field("signature") }
                signature = sig
                verifierPEM = try Self.pem(spec.signature.publicKey.content)
                guard let algorithm = HashAlgorithm(rawValue: spec.data.hash.algorithm),
                    let bytes = Hex.decode(spec.data.hash.value), spec.data.hash.value == spec.data.hash.value.lowercased()
                else { throw Bad.field("data.hash") }
                digest = try ArtifactDigest(algorithm: algorithm, bytes: bytes)
            case ("dsse", "0.0.1"):
                guard case .dsse(let spec) = entry.spec else { throw Bad.field("spec") }
                guard let first = spec.signatures.first, let sig = Base64.decodeStrict(first.signature), !sig.isEmpty else {
                    throw Bad.field("signatures")
                }
                signature = sig
                verifierPEM = try Self.pem(first.verifier)
                guard spec.payloadHash.algorithm == "sha256", let h = Hex.decode(spec.payloadHash.value), h.count == 32 else {
                    throw Bad.field("payloadHash")
                }
                payloadSHA256 = h
            case ("intoto", "0.0.2"):
                guard case .intoto(let spec) = entry.spec else { throw Bad.field("spec") }
                let content = spec.content
                guard let first = content.envelope.signatures.first,
                    let sigText = Base64.decodeStrict(first.sig),
                    let sig = Base64.decodeStrict(String(decoding: sigText, as: UTF8.self)), !sig.isEmpty
                else { throw Bad.field("envelope.signatures") }
                signature = sig
                verifierPEM = try Self.pem(first.publicKey)
                guard content.payloadHash.algorithm == "sha256", let h = Hex.decode(content.payloadHash.value), h.count == 32
                else { throw Bad.field("payloadHash") }
                payloadSHA256 = h
            default:
                throw VerificationError(
                    .transparencyLog, "unsupported transparency log entry kind \(head.kind) \(head.apiVersion)")
            }
        } catch let error as VerificationError {
            throw error
        } catch Bad.field(let name) {
            throw VerificationError(.transparencyLog, "malformed \(head.kind) entry: invalid \(name)")
        } catch {
            throw VerificationError(.transparencyLog, "malformed \(head.kind) \(head.apiVersion) entry body")
        }
    }

    private enum Bad: Error { case field(String) }

    private static func pem(_ b64: String) throws -> String {
        guard let bytes = Base64.decodeStrict(b64), !bytes.isEmpty else { throw Bad.field("public key") }
        return String(decoding: bytes, as: UTF8.self)
    }

    private struct Head: Decodable {
        var kind: String
        var apiVersion: String
    }
    /// A body: its kind and version, and the spec of a kind read.
    private struct Entry: Decodable {
        enum Spec {
            case hashedRekord(HashedRekordV001)
            case dsse(DSSEV001)
            case intoto(IntotoV002)
            case other
        }
        var head: Head
        var spec: Spec
        enum CodingKeys: String, CodingKey { case kind, apiVersion, spec }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            head = Head(kind: try c.decode(String.self, forKey: .kind), apiVersion: try c.decode(String.self, forKey: .apiVersion))
            do {
                switch (head.kind, head.apiVersion) {
                case ("hashedrekord", "0.0.1"): spec = .hashedRekord(try c.decode(HashedRekordV001.self, forKey: .spec))
                case ("dsse", "0.0.1"): spec = .dsse(try c.decode(DSSEV001.self, forKey: .spec))
                case ("intoto", "0.0.2"): spec = .intoto(try c.decode(IntotoV002.self, forKey: .spec))
                default: spec = .other
                }
            } catch {
                throw VerificationError(.transparencyLog, "malformed \(head.kind) \(head.apiVersion) entry body")
            }
        }
    }
    private struct Hash: Decodable {
        var algorithm: String
        var value: String
    }
    private struct HashedRekordV001: Decodable {
        struct Data: Decodable { var hash: Hash }
        struct Signature: Decodable {
            struct Key: Decodable { var content: String }
            var content: String
            var publicKey: Key
        }
        var data: Data
        var signature: Signature
    }
    private struct DSSEV001: Decodable {
        struct Sig: Decodable {
            var signature: String
            var verifier: String
        }
        var payloadHash: Hash
        var signatures: [Sig]
    }
    private struct IntotoV002: Decodable {
        struct Content: Decodable {
            struct Envelope: Decodable {
                struct Sig: Decodable {
                    var sig: String
                    var publicKey: String
                }
                var signatures: [Sig]
            }
            var envelope: Envelope
            var payloadHash: Hash
        }
        var content: Content
    }
}

/// The Rekor v2 `hashedrekord` 0.0.2 entry for a signature, serialized as the log stores it (protobuf JSON, then
/// RFC 8785), so that its leaf hash can be compared with the inclusion proof.
public enum RekorV2Body {
    /// Who verifies the logged signature.
    public enum Verifier: Sendable {
        /// A DER X.509 certificate.
        case certificate([UInt8])
        /// A PKIX public key.
        case publicKey(PublicKey)
    }

    /// The key-details name a Rekor v2 entry records for a key (its default, prehashed algorithm).
    public static func keyDetails(for kind: KeyKind) -> (name: String, hash: HashAlgorithm) {
        switch kind {
        case .ecdsaP256: ("PKIX_ECDSA_P256_SHA_256", .sha256)
        case .ecdsaP384: ("PKIX_ECDSA_P384_SHA_384", .sha384)
        case .ecdsaP521: ("PKIX_ECDSA_P521_SHA_512", .sha512)
        case .rsa(let bits): ("PKIX_RSA_PKCS1V15_\(bits)_SHA256", .sha256)
        case .ed25519: ("PKIX_ED25519_PH", .sha512)
        }
    }

    /// The canonical body bytes.
    public static func canonicalBody(
        digest: ArtifactDigest, signature: [UInt8], verifier: Verifier, keyKind: KeyKind
    ) -> [UInt8] {
        let details = keyDetails(for: keyKind).name
        let verifierJSON: String
        switch verifier {
        case .certificate(let der):
            verifierJSON = #"{"keyDetails":"\#(details)","x509Certificate":{"rawBytes":"\#(Base64.encode(der))"}}"#
        case .publicKey(let key):
            verifierJSON = #"{"keyDetails":"\#(details)","publicKey":{"rawBytes":"\#(Base64.encode(key.derRepresentation))"}}"#
        }
        let body =
            #"{"apiVersion":"0.0.2","kind":"hashedrekord","spec":{"hashedRekordV002":{"data":{"algorithm":"\#(digest.algorithm.protoName)","digest":"\#(Base64.encode(digest.bytes))"},"signature":{"content":"\#(Base64.encode(signature))","verifier":\#(verifierJSON)}}}}"#
        return Array(body.utf8)
    }
}

/// The payload of a Rekor v1 signed entry timestamp: RFC 8785 JSON of body, integrated time, log ID and index.
public enum SignedEntryTimestampPayload {
    /// The bytes the log signs (and verifiers check) for an entry.
    public static func bytes(body: [UInt8], integratedTime: Int64, logID: [UInt8], logIndex: Int64) -> [UInt8] {
        Array(
            #"{"body":"\#(Base64.encode(body))","integratedTime":\#(integratedTime),"logID":"\#(Hex.encode(logID))","logIndex":\#(logIndex)}"#
                .utf8)
    }
}
