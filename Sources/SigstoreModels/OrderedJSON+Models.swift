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

extension TrustedRoot: OrderedJSONRepresentable {
    /// The document as protobuf-specs writes it (empty lists included).
    public var orderedJSON: OrderedJSON {
        .object([
            ("mediaType", .string(mediaType)), ("tlogs", .array(tlogs.map(\.orderedJSON))),
            ("certificateAuthorities", .array(certificateAuthorities.map(\.orderedJSON))),
            ("ctlogs", .array(ctlogs.map(\.orderedJSON))), ("timestampAuthorities", .array(timestampAuthorities.map(\.orderedJSON))),
        ])
    }

    /// `trusted_root.json`, compact.
    public func jsonData() -> [UInt8] { orderedJSON.serialized() }
}

extension TransparencyLogInstance: OrderedJSONRepresentable {
    public var orderedJSON: OrderedJSON {
        .members([
            ("baseUrl", .string(baseURL)), ("hashAlgorithm", .string(hashAlgorithm)), ("publicKey", publicKey.orderedJSON),
            ("logId", .object([("keyId", .base64(logID))])),
            ("checkpointKeyId", checkpointKeyID.map { .object([("keyId", .base64($0))]) }),
            ("operator", self.operator.map(OrderedJSON.string)),
        ])
    }
}

extension PublicKeyMaterial: OrderedJSONRepresentable {
    public var orderedJSON: OrderedJSON {
        .members([("rawBytes", .base64(rawBytes)), ("keyDetails", .string(keyDetails)), ("validFor", validFor?.orderedJSON)])
    }
}

extension CertificateAuthority: OrderedJSONRepresentable {
    public var orderedJSON: OrderedJSON {
        .members([
            ("subject", .members([("organization", organization.map(OrderedJSON.string)), ("commonName", commonName.map(OrderedJSON.string))])),
            ("uri", uri.map(OrderedJSON.string)),
            ("certChain", .object([("certificates", .array(certificateChain.map { .object([("rawBytes", .base64($0))]) }))])),
            ("validFor", validFor?.orderedJSON), ("operator", self.operator.map(OrderedJSON.string)),
        ])
    }
}

extension TimeRange: OrderedJSONRepresentable {
    /// RFC 3339 in UTC, whole seconds, as protobuf JSON writes a `Timestamp` without a fraction.
    public var orderedJSON: OrderedJSON {
        .members([("start", start.map { .string(Self.formatRFC3339($0)) }), ("end", end.map { .string(Self.formatRFC3339($0)) })])
    }
}
