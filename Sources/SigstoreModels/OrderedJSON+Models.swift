public import SigstoreJSON

extension SigstoreBundle: OrderedJSONRepresentable {
    public var orderedJSON: OrderedJSON {
        var pairs: [(String, OrderedJSON?)] = [
            ("mediaType", .string(mediaType)), ("verificationMaterial", verificationMaterial.orderedJSON),
        ]
        switch content {
        case .messageSignature(let m): pairs.append(("messageSignature", m.orderedJSON))
        case .dsseEnvelope(let e): pairs.append(("dsseEnvelope", e.orderedJSON))
        }
        return .members(pairs)
    }
}

extension VerificationMaterial: OrderedJSONRepresentable {
    public var orderedJSON: OrderedJSON {
        var pairs: [(String, OrderedJSON?)] = []
        switch signer {
        case .publicKey(let hint): pairs.append(("publicKey", .members([("hint", hint.map(OrderedJSON.string))])))
        case .x509CertificateChain(let certs):
            pairs.append(
                ("x509CertificateChain", .object([("certificates", .array(certs.map { .object([("rawBytes", $0.orderedJSON)]) }))])))
        case .certificate(let cert): pairs.append(("certificate", .object([("rawBytes", cert.orderedJSON)])))
        }
        if !tlogEntries.isEmpty { pairs.append(("tlogEntries", .array(tlogEntries.map(\.orderedJSON)))) }
        if let tvd = timestampVerificationData, !tvd.rfc3161Timestamps.isEmpty {
            pairs.append(
                ("timestampVerificationData",
                 .object([("rfc3161Timestamps", .array(tvd.rfc3161Timestamps.map { .object([("signedTimestamp", $0.orderedJSON)]) }))])))
        }
        return .members(pairs)
    }
}

extension TransparencyLogEntry: OrderedJSONRepresentable {
    public var orderedJSON: OrderedJSON {
        .members([
            ("logIndex", logIndex.orderedJSON),
            ("logId", .object([("keyId", logID.orderedJSON)])),
            ("kindVersion", .object([("kind", .string(kind)), ("version", .string(version))])),
            ("integratedTime", integratedTime?.orderedJSON),
            ("inclusionPromise", signedEntryTimestamp.map { .object([("signedEntryTimestamp", $0.orderedJSON)]) }),
            ("inclusionProof", inclusionProof?.orderedJSON),
            ("canonicalizedBody", canonicalizedBody?.orderedJSON),
        ])
    }
}

extension InclusionProof: OrderedJSONRepresentable {
    public var orderedJSON: OrderedJSON {
        .members([
            ("logIndex", logIndex.orderedJSON), ("rootHash", rootHash.orderedJSON), ("treeSize", treeSize.orderedJSON),
            ("hashes", .array(hashes.map(\.orderedJSON))),
            ("checkpoint", checkpoint.map { .object([("envelope", .string($0))]) }),
        ])
    }
}

extension MessageSignature: OrderedJSONRepresentable {
    public var orderedJSON: OrderedJSON {
        .members([
            ("messageDigest", messageDigest.map { .object([("algorithm", .string($0.algorithm)), ("digest", $0.digest.orderedJSON)]) }),
            ("signature", signature.orderedJSON),
        ])
    }
}

extension DSSEEnvelope: OrderedJSONRepresentable {
    public var orderedJSON: OrderedJSON {
        .object([
            ("payload", payload.orderedJSON), ("payloadType", .string(payloadType)),
            ("signatures", .array(signatures.map { .members([("sig", $0.sig.orderedJSON), ("keyid", $0.keyid.map(OrderedJSON.string))]) })),
        ])
    }
}
