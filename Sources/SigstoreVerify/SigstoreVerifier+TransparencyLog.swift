#if canImport(FoundationEssentials)
internal import FoundationEssentials
#else
internal import Foundation
#endif
internal import SigstoreCrypto
internal import SigstoreModels
internal import SigstoreJSON
internal import X509
internal import SigstoreCore

/// Transparency-log entries (sigstore-go `tlog.go`): each entry from a trusted log needs a verified inclusion promise
/// (Rekor v1 SET) or an inclusion proof under a checkpoint the log signed; entries of unknown logs do not count.
extension SigstoreVerifier {
    func verifyTransparencyLog(
        _ bundle: SigstoreBundle, material: Material, signature: [UInt8]
    ) throws -> ([VerificationResult.LogEntry], [VerificationResult.VerifiedTime]) {
        let entries = bundle.verificationMaterial.tlogEntries
        for i in entries.indices {
            for j in entries.indices where j > i {
                if entries[i].logID == entries[j].logID && entries[i].logIndex == entries[j].logIndex {
                    throw VerificationError(.transparencyLog, "duplicate transparency log entries found")
                }
            }
        }
        var verifiedLogs = Set<String>()
        var timedLogs = Set<String>()
        var verified: [VerificationResult.LogEntry] = []
        var times: [VerificationResult.VerifiedTime] = []
        for entry in entries {
            let body = entry.canonicalizedBody?.bytes ?? []
            let isV2 = entry.kind == "hashedrekord" && entry.version == "0.0.2"
            var v1Body: RekorV1Body?
            if isV2 {
                try Self.checkV2BodyHead(body)
            } else {
                let parsed = try RekorV1Body(canonicalizedBody: body)
                guard parsed.kind == entry.kind, parsed.apiVersion == entry.version else {
                    throw VerificationError(
                        .transparencyLog,
                        "transparency log entry kind \(entry.kind) \(entry.version) does not match its body (\(parsed.kind) \(parsed.apiVersion))")
                }
                v1Body = parsed
            }
            let logIDHex = Hex.encode(entry.logID.bytes)
            guard let log = trustMaterial.transparencyLogs[logIDHex] else { continue }  // unknown logs do not count

            guard entry.signedEntryTimestamp != nil || entry.inclusionProof != nil else {
                throw VerificationError(.transparencyLog, "transparency log entry must contain an inclusion proof and/or promise")
            }
            if isV2 && entry.inclusionProof == nil {
                throw VerificationError(.transparencyLog, "Rekor v2 entries must have an inclusion proof")
            }
            let integrated = entry.integratedTime?.value ?? 0
            if let set = entry.signedEntryTimestamp?.bytes {
                if isV2 || !Self.verifySET(set, entry: entry, body: body, log: log) { continue }  // unverifiable promises are skipped
            }
            if let proof = entry.inclusionProof {
                guard let checkpointText = proof.checkpoint, !checkpointText.isEmpty else {
                    throw VerificationError(.transparencyLog, "inclusion proof has no checkpoint")
                }
                let note = try SignedNote(checkpointText)
                let checkpoint = try Checkpoint(text: note.text)
                if checkpoint.isRekorV1 {
                    try Self.verifyV1Inclusion(entry: entry, body: body, proof: proof, note: note, checkpoint: checkpoint, log: log)
                } else {
                    let leaf = try rebuildV2Leaf(bundle, material: material, signature: signature)
                    // A logged body that differs from the bundle is named for what differs (the signer, the signature
                    // or the digest), not reported as a proof that does not verify.
                    if body != leaf, let difference = Self.v2Difference(logged: body, rebuilt: leaf) {
                        throw VerificationError(.transparencyLog, "the Rekor v2 entry records \(difference) than the bundle carries")
                    }
                    try Self.verifyV2Inclusion(entry: entry, leaf: leaf, proof: proof, note: note, checkpoint: checkpoint, log: log)
                    // The body and the proof's own fields are not needed to verify, but must agree with what was
                    // verified (as sigstore-python checks): nothing unauthenticated is carried along.
                    guard body == leaf else {
                        throw VerificationError(.transparencyLog, "Rekor v2 entry body does not match the entry rebuilt from the bundle")
                    }
                    guard proof.logIndex.value == entry.logIndex.value, proof.treeSize.value >= 0,
                        UInt64(proof.treeSize.value) == checkpoint.size, proof.rootHash.bytes == checkpoint.rootHash
                    else {
                        throw VerificationError(.transparencyLog, "Rekor v2 inclusion proof fields do not match the signed checkpoint")
                    }
                }
            }
            if let v1Body {
                try Self.compare(v1Body, bundle: bundle, material: material, signature: signature)
            }
            if integrated != 0, case .certificate(let leaf) = material {
                let t = Date(timeIntervalSince1970: Double(integrated))
                guard leaf.isValid(at: t) else {
                    throw VerificationError(
                        .certificate,
                        "integrated time \(t) outside certificate validity \(leaf.certificate.notValidBefore) – \(leaf.certificate.notValidAfter)")
                }
            }
            verifiedLogs.insert(logIDHex)
            let date = integrated == 0 ? nil : Date(timeIntervalSince1970: Double(integrated))
            verified.append(.init(logURL: log.baseURL, logIndex: entry.logIndex.value, logID: logIDHex, integratedTime: date))
            if entry.signedEntryTimestamp != nil, let date, !timedLogs.contains(logIDHex) {
                timedLogs.insert(logIDHex)
                times.append(.init(source: .transparencyLog(log.baseURL), time: date))
            }
        }
        guard verifiedLogs.count >= configuration.transparencyLogThreshold else {
            throw VerificationError(
                .transparencyLog,
                "not enough verified log entries from transparency log: \(verifiedLogs.count) < \(configuration.transparencyLogThreshold)")
        }
        return (verified, times)
    }

    static func verifySET(_ set: [UInt8], entry: TransparencyLogEntry, body: [UInt8], log: TrustMaterial.Log) -> Bool {
        guard let start = log.validFor?.start else { return false }
        let integrated = entry.integratedTime?.value ?? 0
        let t = Date(timeIntervalSince1970: Double(integrated))
        if t < start { return false }
        if let end = log.validFor?.end, t > end { return false }
        switch log.key.kind {
        case .ecdsaP256, .ecdsaP384, .ecdsaP521: break
        default: return false
        }
        let payload = SignedEntryTimestampPayload.bytes(
            body: body, integratedTime: integrated, logID: entry.logID.bytes, logIndex: entry.logIndex.value)
        return (try? log.key.verifySignature(set, digest: HashAlgorithm.sha256.digest(of: payload))) != nil
    }

    static func verifyV1Inclusion(
        entry: TransparencyLogEntry, body: [UInt8], proof: InclusionProof, note: SignedNote, checkpoint: Checkpoint,
        log: TrustMaterial.Log
    ) throws {
        guard proof.logIndex.value >= 0, proof.treeSize.value > 0 else {
            throw VerificationError(.transparencyLog, "invalid inclusion proof index \(proof.logIndex.value) or size \(proof.treeSize.value)")
        }
        let root = Merkle.rootFromInclusionProof(
            index: UInt64(proof.logIndex.value), size: UInt64(proof.treeSize.value), leafHash: Merkle.leafHash(body),
            proof: proof.hashes.map(\.bytes))
        guard let root, root == proof.rootHash.bytes else {
            throw VerificationError(
                .transparencyLog, "inclusion proof for log index \(proof.logIndex.value) does not lead to root hash \(Hex.encode(proof.rootHash.bytes))")
        }
        let hint = Array(HashAlgorithm.sha256.digest(of: log.key.derRepresentation).bytes.prefix(4))
        // Rekor v1 names its key after the host in the origin "<host> - <tree id>".
        guard note.isSigned(by: log.key, keyHint: hint, name: checkpoint.rekorV1Host) else {
            throw VerificationError(.transparencyLog, "checkpoint signature is not valid for log \(log.baseURL)")
        }
        guard checkpoint.rootHash == proof.rootHash.bytes, checkpoint.size == UInt64(proof.treeSize.value) else {
            throw VerificationError(.transparencyLog, "inclusion proof root hash does not match the signed checkpoint")
        }
    }

    static func verifyV2Inclusion(
        entry: TransparencyLogEntry, leaf: [UInt8], proof: InclusionProof, note: SignedNote, checkpoint: Checkpoint,
        log: TrustMaterial.Log
    ) throws {
        guard let host = log.hostname, !host.isEmpty else {
            throw VerificationError(.transparencyLog, "cannot verify Rekor v2 entry without baseUrl in transparency log's trusted root")
        }
        let keyID = SignedNote.keyID(name: host, key: log.key)
        guard note.isSigned(by: log.key, keyHint: Array(keyID.prefix(4)), name: host) else {
            throw VerificationError(.transparencyLog, "checkpoint is not signed by log \(host)")
        }
        guard checkpoint.origin == host else {
            throw VerificationError(.transparencyLog, "checkpoint origin \"\(checkpoint.origin)\" is not \"\(host)\"")
        }
        let root = Merkle.rootFromInclusionProof(
            index: UInt64(entry.logIndex.value), size: checkpoint.size, leafHash: Merkle.leafHash(leaf),
            proof: proof.hashes.map(\.bytes))
        guard let root, root == checkpoint.rootHash else {
            throw VerificationError(
                .transparencyLog, "inclusion proof for log index \(entry.logIndex.value) does not match the checkpoint of size \(checkpoint.size)")
        }
    }
}
