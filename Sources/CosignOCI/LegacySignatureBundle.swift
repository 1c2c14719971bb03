#if canImport(FoundationEssentials)
internal import FoundationEssentials
#else
internal import Foundation
#endif
internal import Cosign
internal import SigstoreCrypto
public import SigstoreModels
import SigstoreJSON
import SigstoreCore

/// A legacy `.sig` or `.att` layer's verification material (signature, certificate and chain, Rekor bundle, RFC 3161
/// timestamp annotations) as a Sigstore bundle v0.1 over the payload (a message signature over a simple-signing
/// payload, or the layer's DSSE envelope), so that the one bundle verifier checks it: certificate chain, SET, body
/// against signature and certificate, timestamps, identity.
public enum LegacySignatureBundle {
    /// The bundle for `layer`, or nil when the layer has neither a certificate nor a Rekor bundle (a plain key
    /// signature, checked directly).
    /// The hash of a hashedrekord entry in a Rekor bundle annotation; SHA-256 when there is none or it cannot be read
    /// (the bundle verifier then reports the entry).
    static func loggedHashAlgorithm(_ annotation: String?) -> HashAlgorithm {
        guard let annotation, let rekor = try? JSONParser.parse(Array(annotation.utf8)),
            let body = rekor["Payload"]?["body"]?.stringValue, let bytes = Base64.decode(body), let entry = try? JSONParser.parse(bytes),
            entry["kind"]?.stringValue == "hashedrekord", let name = entry["spec"]?["data"]?["hash"]?["algorithm"]?.stringValue,
            let algorithm = HashAlgorithm(rawValue: name)
        else { return .sha256 }
        return algorithm
    }

    public static func bundle(for layer: LegacyLayer) throws -> SigstoreBundle? {
        let a = layer.annotations
        guard a[CosignAnnotation.certificate] != nil || a[CosignAnnotation.bundle] != nil else { return nil }
        let content: (String, OrderedJSON)
        if layer.mediaType == CosignMediaType.dsseEnvelope {
            guard let envelope = try? JSONCoding.decode(DSSEEnvelope.self, from: layer.payload, what: "attestation") else {
                throw CosignError(.verificationFailed, "layer \(layer.digest) is not a DSSE envelope")
            }
            content = ("dsseEnvelope", envelope.orderedJSON)
        } else {
            guard let b64 = layer.base64Signature, Base64.decode(b64) != nil else {
                throw CosignError(.verificationFailed, "layer \(layer.digest) has no valid base64 signature annotation")
            }
            // The digest the log entry records (SHA-512 for an Ed25519 key's Ed25519ph signature), else SHA-256.
            let digest = loggedHashAlgorithm(a[CosignAnnotation.bundle]).digest(of: layer.payload)
            content = (
                "messageSignature",
                .object([
                    ("messageDigest", .object([("algorithm", .string(digest.algorithm.protoName)), ("digest", .string(Base64.encode(digest.bytes)))])),
                    ("signature", .string(b64)),
                ])
            )
        }
        var material: [(String, OrderedJSON)] = []
        if let certificate = a[CosignAnnotation.certificate] {
            var blocks: [PEMBlock] = []
            do {
                blocks = try PEMBlock.parseAll(certificate) + (try a[CosignAnnotation.chain].map { $0.isEmpty ? [] : try PEMBlock.parseAll($0) } ?? [])
            } catch {
                throw CosignError(.verificationFailed, "layer \(layer.digest): certificate annotation is not PEM")
            }
            guard !blocks.isEmpty else { throw CosignError(.verificationFailed, "layer \(layer.digest): certificate annotation is empty") }
            material.append((
                "x509CertificateChain",
                .object([("certificates", .array(blocks.map { .object([("rawBytes", .string(Base64.encode($0.bytes)))]) }))])
            ))
        } else {
            material.append(("publicKey", .object([("hint", .string(""))])))
        }
        if let text = a[CosignAnnotation.bundle] {
            guard let rekor = try? JSONParser.parse(Array(text.utf8)), let set = rekor["SignedEntryTimestamp"]?.stringValue,
                let payload = rekor["Payload"], let body = payload["body"]?.stringValue, let time = payload["integratedTime"]?.int64Value,
                let index = payload["logIndex"]?.int64Value, let logID = payload["logID"]?.stringValue,
                let logIDBytes = Hex.decode(logID), let bodyBytes = Base64.decode(body), let entry = try? JSONParser.parse(bodyBytes),
                let kind = entry["kind"]?.stringValue, let version = entry["apiVersion"]?.stringValue
            else {
                throw CosignError(.verificationFailed, "layer \(layer.digest): malformed Rekor bundle annotation")
            }
            material.append((
                "tlogEntries",
                .array([
                    .object([
                        ("logIndex", .string(String(index))), ("logId", .object([("keyId", .string(Base64.encode(logIDBytes)))])),
                        ("kindVersion", .object([("kind", .string(kind)), ("version", .string(version))])),
                        ("integratedTime", .string(String(time))),
                        ("inclusionPromise", .object([("signedEntryTimestamp", .string(set))])),
                        ("canonicalizedBody", .string(body)),
                    ])
                ])
            ))
        }
        if let text = a[CosignAnnotation.rfc3161Timestamp] {
            guard let signed = (try? JSONParser.parse(Array(text.utf8)))?["SignedRFC3161Timestamp"]?.stringValue else {
                throw CosignError(.verificationFailed, "layer \(layer.digest): malformed RFC 3161 timestamp annotation")
            }
            material.append(("timestampVerificationData", .object([("rfc3161Timestamps", .array([.object([("signedTimestamp", .string(signed))])]))])))
        }
        let json: OrderedJSON = .object([
            ("mediaType", .string("application/vnd.dev.sigstore.bundle+json;version=0.1")),
            ("verificationMaterial", .object(material)),
            content,
        ])
        do {
            return try SigstoreBundle(jsonData: json.serialized())
        } catch let e as any ReportableError {
            throw CosignError(.verificationFailed, "layer \(layer.digest): \(e.message)")
        }
    }
}
