#if canImport(FoundationEssentials)
internal import FoundationEssentials
#else
internal import Foundation
#endif
internal import SigstoreCrypto
internal import SigstoreModels
internal import SigstoreJSON
internal import SigstoreCore

/// What a log entry records must be what the bundle carries: Rekor v1 bodies are parsed and compared, Rekor v2
/// bodies are rebuilt from the bundle (as sigstore-go does) and must equal the logged leaf.
extension SigstoreVerifier {
    static func checkV2BodyHead(_ body: [UInt8]) throws {
        struct Head: Decodable {
            var kind: String
            var apiVersion: String
        }
        guard let head = try? JSONDecoder().decode(Head.self, from: Data(body)) else {
            throw VerificationError(.transparencyLog, "transparency log entry body is not a Rekor entry")
        }
        guard head.kind == "hashedrekord", head.apiVersion == "0.0.2" else {
            throw VerificationError(
                .transparencyLog, "transparency log entry kind hashedrekord 0.0.2 does not match its body (\(head.kind) \(head.apiVersion))")
        }
    }

    /// What a logged Rekor v2 `hashedrekord` 0.0.2 body records differently from the one rebuilt from the bundle:
    /// "a different certificate", "a different public key", "a different signature" or "a different digest".
    static func v2Difference(logged: [UInt8], rebuilt: [UInt8]) -> String? {
        guard let a = try? JSONParser.parse(logged), let b = try? JSONParser.parse(rebuilt),
            let x = a["spec"]?["hashedRekordV002"], let y = b["spec"]?["hashedRekordV002"]
        else { return nil }
        func same(_ l: OrderedJSON?, _ r: OrderedJSON?) -> Bool { l?.serialized() == r?.serialized() }
        let (lv, rv) = (x["signature"]?["verifier"], y["signature"]?["verifier"])
        if !same(lv?["x509Certificate"], rv?["x509Certificate"]) || !same(lv?["publicKey"], rv?["publicKey"]) {
            return lv?["x509Certificate"] != nil ? "a different certificate" : "a different public key"
        }
        if !same(x["signature"]?["content"], y["signature"]?["content"]) { return "a different signature" }
        if !same(x["data"], y["data"]) { return "a different digest" }
        return nil
    }

    func rebuildV2Leaf(_ bundle: SigstoreBundle, material: Material, signature: [UInt8]) throws -> [UInt8] {
        let key = try material.publicKey
        let hash = RekorV2Body.keyDetails(for: key.kind).hash
        let digest: ArtifactDigest
        switch bundle.content {
        case .messageSignature(let m):
            guard let md = m.messageDigest, let alg = HashAlgorithm(protoName: md.algorithm) else {
                throw VerificationError(.bundle, "message signature has no usable message digest")
            }
            guard let d = try? ArtifactDigest(algorithm: alg, bytes: md.digest.bytes) else {
                throw VerificationError(.bundle, "message digest has the wrong length for \(alg.rawValue)")
            }
            digest = d
        case .dsseEnvelope(let e):
            digest = e.preAuthenticationDigest(hash)
        }
        let verifier: RekorV2Body.Verifier
        switch material {
        case .certificate(let c): verifier = .certificate(c.der)
        case .publicKey(let k): verifier = .publicKey(k)
        }
        return RekorV2Body.canonicalBody(digest: digest, signature: signature, verifier: verifier, keyKind: key.kind)
    }

    static func compare(_ body: RekorV1Body, bundle: SigstoreBundle, material: Material, signature: [UInt8]) throws {
        guard body.signature == signature else {
            throw VerificationError(.transparencyLog, "transparency log signature does not match the bundle's signature")
        }
        let sameKey: Bool
        switch material {
        case .certificate(let leaf):
            // The log usually holds the PEM the signer wrote, as written here (64 columns, one block): compared as
            // text first, parsed only when it differs.
            if body.verifierPEM == PEMBlock(label: "CERTIFICATE", bytes: leaf.der).pemString {
                sameKey = true
            } else {
                let block = try? PEMBlock.parseFirst(body.verifierPEM)
                sameKey = block?.label == "CERTIFICATE" && block?.bytes == leaf.der
            }
        case .publicKey(let key):
            // A key may have signed with a certificate attached (`--certificate` with `--key`): the log then records
            // the certificate, which must be for this key.
            let block = try? PEMBlock.parseFirst(body.verifierPEM)
            switch block?.label {
            case "PUBLIC KEY": sameKey = block?.bytes == key.derRepresentation
            case "CERTIFICATE":
                let certified = block.flatMap { try? SigningCertificate(der: $0.bytes).publicKey().derRepresentation }
                sameKey = certified == key.derRepresentation
            default: sameKey = false
            }
        }
        guard sameKey else {
            let recorded = (try? PEMBlock.parseFirst(body.verifierPEM))?.label == "CERTIFICATE" ? "certificate" : "public key"
            throw VerificationError(
                .transparencyLog, "the Rekor entry records a different \(recorded) than the bundle carries (transparency log certificate does not match the bundle's signer)")
        }
        switch bundle.content {
        case .messageSignature(let m):
            guard let logged = body.digest else {
                throw VerificationError(.transparencyLog, "transparency log entry is not a hashedrekord or missing digest")
            }
            guard let md = m.messageDigest, let alg = HashAlgorithm(protoName: md.algorithm) else {
                throw VerificationError(.bundle, "message signature has no usable message digest")
            }
            guard alg == logged.algorithm else {
                throw VerificationError(
                    .transparencyLog, "transparency log hashedrekord entry digest algorithm mismatch: \(alg.rawValue) != \(logged.algorithm.rawValue)")
            }
            guard md.digest.bytes == logged.bytes else {
                throw VerificationError(
                    .transparencyLog,
                    "transparency log hashedrekord entry digest \(logged.hex) does not match artifact \(Hex.encode(md.digest.bytes))")
            }
        case .dsseEnvelope(let e):
            guard let logged = body.payloadSHA256 else {
                throw VerificationError(.transparencyLog, "transparency log rekor v1 entry is not a dsse or intoto entry")
            }
            let actual = HashAlgorithm.sha256.digest(of: e.payload.bytes).bytes
            guard actual == logged else {
                throw VerificationError(
                    .transparencyLog,
                    "transparency log dsse/intoto entry payload hash \(Hex.encode(logged)) does not match envelope payload hash \(Hex.encode(actual))")
            }
        }
    }
}
