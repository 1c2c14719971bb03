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
        // Read as strictly as the bundle (one pass of the strict JSON reader: UTF-8, no member twice): Rekor writes
        // canonical JSON, and readers that keep the first or the last of a repeated member would disagree. The tree
        // is read directly: the fields this needs are a dozen strings.
        let tree: OrderedJSON
        do {
            tree = try JSONParser.parse(body, rejectingDuplicateKeys: true)
        } catch {
            throw VerificationError(.transparencyLog, "transparency log entry body is not a Rekor entry")
        }
        guard let kind = Self.string(tree, "kind"), let apiVersion = Self.string(tree, "apiVersion") else {
            throw VerificationError(.transparencyLog, "transparency log entry body is not a Rekor entry")
        }
        self.kind = kind
        self.apiVersion = apiVersion
        let spec = Self.member(tree, "spec")
        do {
            switch (kind, apiVersion) {
            case ("hashedrekord", "0.0.1"):
                guard let content = Self.string(spec, "signature", "content"), let key = Self.string(spec, "signature", "publicKey", "content"),
                    let algorithm = Self.string(spec, "data", "hash", "algorithm"), let value = Self.string(spec, "data", "hash", "value")
                else { throw Bad.spec }
                guard let sig = Base64.decodeStrict(content), !sig.isEmpty else { throw Bad.field("signature") }
                signature = sig
                verifierPEM = try Self.pem(key)
                guard let hash = HashAlgorithm(rawValue: algorithm), let bytes = Hex.decode(value), value == value.lowercased() else {
                    throw Bad.field("data.hash")
                }
                digest = try ArtifactDigest(algorithm: hash, bytes: bytes)
            case ("dsse", "0.0.1"):
                guard let algorithm = Self.string(spec, "payloadHash", "algorithm"), let value = Self.string(spec, "payloadHash", "value"),
                    case .array(let items)? = Self.member(spec, "signatures")
                else { throw Bad.spec }
                let signatures = try items.map { item in
                    guard let signature = Self.string(item, "signature"), let verifier = Self.string(item, "verifier") else { throw Bad.spec }
                    return (signature, verifier)
                }
                guard let first = signatures.first, let sig = Base64.decodeStrict(first.0), !sig.isEmpty else {
                    throw Bad.field("signatures")
                }
                signature = sig
                verifierPEM = try Self.pem(first.1)
                guard algorithm == "sha256", let h = Hex.decode(value), h.count == 32 else { throw Bad.field("payloadHash") }
                payloadSHA256 = h
            case ("intoto", "0.0.2"):
                let content = Self.member(spec, "content")
                guard let algorithm = Self.string(content, "payloadHash", "algorithm"), let value = Self.string(content, "payloadHash", "value"),
                    case .array(let items)? = Self.member(content, "envelope", "signatures")
                else { throw Bad.spec }
                let signatures = try items.map { item in
                    guard let sig = Self.string(item, "sig"), let key = Self.string(item, "publicKey") else { throw Bad.spec }
                    return (sig, key)
                }
                guard let first = signatures.first, let sigText = Base64.decodeStrict(first.0),
                    let sig = Base64.decodeStrict(String(decoding: sigText, as: UTF8.self)), !sig.isEmpty
                else { throw Bad.field("envelope.signatures") }
                signature = sig
                verifierPEM = try Self.pem(first.1)
                guard algorithm == "sha256", let h = Hex.decode(value), h.count == 32 else { throw Bad.field("payloadHash") }
                payloadSHA256 = h
            default:
                throw VerificationError(.transparencyLog, "unsupported transparency log entry kind \(kind) \(apiVersion)")
            }
        } catch let error as VerificationError {
            throw error
        } catch Bad.field(let name) {
            throw VerificationError(.transparencyLog, "malformed \(kind) entry: invalid \(name)")
        } catch {
            throw VerificationError(.transparencyLog, "malformed \(kind) \(apiVersion) entry body")
        }
    }

    private enum Bad: Error {
        case field(String)
        /// The spec lacks a field its kind requires, or has one of the wrong type.
        case spec
    }

    private static func pem(_ b64: String) throws -> String {
        guard let bytes = Base64.decodeStrict(b64), !bytes.isEmpty else { throw Bad.field("public key") }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The value at `path` (member names) from `value`.
    private static func member(_ value: OrderedJSON?, _ path: String...) -> OrderedJSON? { lookup(value, path) }

    /// The string at `path`; nil when there is none or the value is not a string.
    private static func string(_ value: OrderedJSON?, _ path: String...) -> String? {
        guard case .string(let text)? = lookup(value, path) else { return nil }
        return text
    }

    private static func lookup(_ value: OrderedJSON?, _ path: [String]) -> OrderedJSON? {
        var current = value
        for name in path {
            guard case .object(let members)? = current, let found = members.first(where: { $0.0 == name }) else { return nil }
            current = found.1
        }
        return current
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
