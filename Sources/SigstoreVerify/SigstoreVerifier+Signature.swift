#if canImport(FoundationEssentials)
internal import FoundationEssentials
#else
internal import Foundation
#endif
internal import SigstoreCrypto
internal import SigstoreModels
internal import SigstoreJSON
internal import SigstoreCore

/// The signature (sigstore-go `signature.go`): a message signature over the artifact or its digest, or a DSSE
/// signature over the envelope whose in-toto subjects must name the artifact.
extension SigstoreVerifier {
    func verifySignature(
        _ bundle: SigstoreBundle, material: Material, artifact: ArtifactInput
    ) throws -> (type: String, payload: [UInt8])? {
        let key = try material.publicKey
        let isCertificate: Bool
        if case .certificate = material { isCertificate = true } else { isCertificate = false }
        switch bundle.content {
        case .messageSignature(let m):
            guard let md = m.messageDigest else {
                throw VerificationError(.signature, "message is missing artifact digest")
            }
            guard let alg = HashAlgorithm(protoName: md.algorithm) else {
                throw VerificationError(.signature, "unsupported message digest algorithm \(md.algorithm)")
            }
            switch artifact {
            case .none:
                throw VerificationError(.artifact, "a message signature can only be verified with its artifact or digest")
            case .data(let data):
                if key.signsWholeMessage {
                    if isCertificate {
                        throw VerificationError(.signature, "Ed25519ph message signatures are not supported")
                    }
                    // Pure Ed25519, or Ed25519ph where the signature was logged (as cosign signs each).
                    try check { try key.verifySignatureAllowingPrehash(m.signature.bytes, message: data) }
                } else {
                    let candidates = Self.hashes(for: key, certificate: isCertificate)
                    var ok = false
                    for h in candidates where (try? key.verifySignature(m.signature.bytes, digest: h.digest(of: data))) != nil {
                        ok = true
                        break
                    }
                    guard ok else { throw VerificationError(.signature, "could not verify message: invalid signature") }
                }
                let actual = alg.digest(of: data)
                guard actual.bytes == md.digest.bytes else {
                    throw VerificationError(
                        .artifact, "artifact digest does not match message digest: bundle has \(Hex.encode(md.digest.bytes)), artifact is \(actual.hex)")
                }
            case .digests(let digests):
                if key.signsWholeMessage && (isCertificate || !digests.contains(where: { $0.algorithm == .sha512 })) {
                    throw VerificationError(.signature, "an Ed25519 message signature needs the artifact's bytes, not digests")
                }
                var ok = false
                for h in Self.hashes(for: key, certificate: isCertificate) {
                    guard let d = digests.first(where: { $0.algorithm == h }) else { continue }
                    if (try? key.verifySignature(m.signature.bytes, digest: d)) != nil {
                        ok = true
                        break
                    }
                }
                guard ok else { throw VerificationError(.signature, "could not verify message: invalid signature") }
                guard let actual = digests.first(where: { $0.algorithm == alg }) else {
                    throw VerificationError(.artifact, "no \(alg.rawValue) digest of the artifact to compare with the message digest")
                }
                guard actual.bytes == md.digest.bytes else {
                    throw VerificationError(
                        .artifact, "artifact digest does not match message digest: bundle has \(Hex.encode(md.digest.bytes)), artifact is \(actual.hex)")
                }
            case .digest(let given):
                guard given.bytes == md.digest.bytes else {
                    throw VerificationError(
                        .artifact, "artifact does not match digest: bundle has \(Hex.encode(md.digest.bytes)), given \(given.hex)")
                }
                // From a digest only Ed25519ph can be checked (over SHA-512); pure Ed25519 needs the artifact.
                if key.signsWholeMessage && (isCertificate || given.algorithm != .sha512) {
                    throw VerificationError(
                        .signature, "message signatures with ed25519 signatures can only be verified with artifacts, and not just their digest")
                }
                try check { try key.verifySignature(m.signature.bytes, digest: given) }
            }
            return nil
        case .dsseEnvelope(let e):
            try check { try key.verifyDSSESignature(e.signatures[0].sig.bytes, envelope: e) }
            try Self.matchStatement(e, artifact: artifact)
            return (e.payloadType, e.payload.bytes)
        }
    }

    /// The hashes a message signature may use: the key's default, plus SHA-256 for P-384/P-521 certificates
    /// (old clients, sigstore-go's compatibility verifier).
    static func hashes(for key: PublicKey, certificate: Bool) -> [HashAlgorithm] {
        switch key.kind {
        case .ecdsaP384 where certificate, .ecdsaP521 where certificate: [key.defaultHashAlgorithm, .sha256]
        default: [key.defaultHashAlgorithm]
        }
    }

    func check(_ body: () throws -> Void) throws {
        do { try body() } catch let e as SigstoreCryptoError {
            throw VerificationError(.signature, "could not verify signature: \(e.message)")
        }
    }

    static func matchStatement(_ envelope: DSSEEnvelope, artifact: ArtifactInput) throws {
        if case .none = artifact { return }
        guard envelope.payloadType == "application/vnd.in-toto+json" else {
            throw VerificationError(.artifact, "DSSE payload type \"\(envelope.payloadType)\" is not application/vnd.in-toto+json")
        }
        guard let statement = envelope.statement else {
            throw VerificationError(.artifact, "DSSE payload is not an in-toto statement")
        }
        let subjects = (statement.subject ?? []).compactMap { $0 }
        guard !subjects.isEmpty else { throw VerificationError(.artifact, "no subjects found in statement") }
        guard subjects.count <= 1024, subjects.allSatisfy({ ($0.digest?.count ?? 0) <= 32 }) else {
            throw VerificationError(.artifact, "in-toto statement has too many subjects or digests")
        }
        let names: [(String, HashAlgorithm)] = [("sha512", .sha512), ("sha384", .sha384), ("sha256", .sha256)]
        switch artifact {
        case .data(let data):
            var computed: [String: String] = [:]
            for subject in subjects {
                for (name, alg) in names {
                    guard let expected = subject.digest?[name] else { continue }
                    let actual = computed[name] ?? alg.digest(of: data).hex
                    computed[name] = actual
                    if expected.lowercased() == actual { return }
                }
            }
            guard !computed.isEmpty else {
                throw VerificationError(.artifact, "no matching artifact hash algorithm found in subject digests")
            }
            throw VerificationError(
                .artifact, "provided artifact digests do not match digests in statement (artifact sha256:\(computed["sha256"] ?? HashAlgorithm.sha256.digest(of: data).hex))")
        case .none:
            return
        case .digests(let digests):
            var sawAlgorithm = false
            for subject in subjects {
                for d in digests {
                    guard let expected = subject.digest?[d.algorithm.rawValue] else { continue }
                    sawAlgorithm = true
                    if expected.lowercased() == d.hex { return }
                }
            }
            guard sawAlgorithm else {
                throw VerificationError(.artifact, "no matching artifact hash algorithm found in subject digests")
            }
            throw VerificationError(
                .artifact, "provided artifact digests do not match digests in statement (artifact \(digests.map(\.description).joined(separator: ", ")))")
        case .digest(let d):
            for subject in subjects where subject.digest?[d.algorithm.rawValue]?.lowercased() == d.hex { return }
            throw VerificationError(.artifact, "provided artifact digest \(d) does not match any digest in statement")
        }
    }
}
