import SigstoreJSON

// Bundles read straight from the strict parser's tree. Every verification starts by reading a bundle, and the
// `Decodable` pass over the tree (a keyed container, coding path and metadata lookup per object) cost three times the
// parse itself. These initializers take the shapes the `Decodable` ones accept and build the same values; wherever a
// document is in any way unusual (a missing or mistyped field, an unknown member, a count over a limit) they give nil,
// and the `Decodable` initializers read it again and word the error. `BundleTreeTests` holds the two to the same
// values over every bundle in the shared vectors and thousands of mutations of them.

/// An object's members, for the tree readers, named by the `CodingKeys` the `Decodable` initializers use.
struct TreeObject<Key: CodingKey> {
    let members: [(String, OrderedJSON)]

    /// The object, when `value` is one whose member names are all keys of `Key` (protojson refuses unknown fields):
    /// the synthesized `Key(stringValue:)`, as `rejectUnknownKeys` checks them.
    init?(_ value: OrderedJSON?, _: Key.Type) {
        guard case .object(let members)? = value, members.allSatisfy({ Key(stringValue: $0.0) != nil }) else { return nil }
        self.members = members
    }

    /// A member that is there and not `null` (as `decodeIfPresent` sees it).
    subscript(_ key: Key) -> OrderedJSON? {
        let name = key.stringValue
        for (member, value) in members where member == name {
            if case .null = value { return nil }
            return value
        }
        return nil
    }
}

extension OrderedJSON {
    var treeString: String? {
        guard case .string(let text) = self else { return nil }
        return text
    }

    /// Base64 as ``Base64Bytes`` reads it.
    var treeBase64: Base64Bytes? {
        guard case .string(let text) = self, let bytes = Base64.decode(text) else { return nil }
        return Base64Bytes(bytes)
    }

    /// An int64 as ``Int64String`` reads it: a decimal string, or an integer number.
    var treeInt64: Int64String? {
        switch self {
        case .string(let text): Int64(text).map(Int64String.init)
        case .number(let n): Int64String(n)
        default: nil
        }
    }

    /// The elements of an array, each read by `element`; nil when any is not read.
    func treeArray<T>(_ element: (OrderedJSON) -> T?) -> [T]? {
        guard case .array(let items) = self else { return nil }
        var out: [T] = []
        out.reserveCapacity(items.count)
        for item in items {
            guard let value = element(item) else { return nil }
            out.append(value)
        }
        return out
    }
}

extension SigstoreBundle {
    /// Reads a bundle document (no large payload taken apart): from the tree when it has the usual shape, through
    /// `Decodable` otherwise.
    static func decode(_ bytes: some Collection<UInt8>) throws -> SigstoreBundle {
        if bytes.count <= Limits.maxDocumentBytes, let tree = try? JSONParser.parse(bytes, rejectingDuplicateKeys: true),
            let bundle = SigstoreBundle(tree: tree)
        {
            return bundle
        }
        return try decodeDocument(SigstoreBundle.self, from: bytes, what: "bundle")
    }

    /// The bundle in `tree`, when it has the usual shape; nil otherwise (see the top of this file).
    init?(tree: OrderedJSON) {
        guard let o = TreeObject(tree, CodingKeys.self),
            let mediaType = o[.mediaType]?.treeString, Self.supportedMediaTypes.contains(mediaType),
            let material = VerificationMaterial(tree: o[.verificationMaterial])
        else { return nil }
        let content: Content
        switch (o[.messageSignature], o[.dsseEnvelope]) {
        case (let m?, nil):
            guard let message = MessageSignature(tree: m) else { return nil }
            content = .messageSignature(message)
        case (nil, let e?):
            guard let envelope = DSSEEnvelope(tree: e) else { return nil }
            content = .dsseEnvelope(envelope)
        default:
            return nil
        }
        self.init(mediaType: mediaType, verificationMaterial: material, content: content)
    }
}

extension VerificationMaterial {
    init?(tree: OrderedJSON?) {
        guard let o = TreeObject(tree, CodingKeys.self)
        else { return nil }
        let signer: Signer
        switch (o[.publicKey], o[.x509CertificateChain], o[.certificate]) {
        case (let key?, nil, nil):
            guard let hint = TreeObject(key, Hint.CodingKeys.self) else { return nil }
            let text = hint[.hint]
            if text != nil && text?.treeString == nil { return nil }
            signer = .publicKey(hint: text?.treeString)
        case (nil, let chain?, nil):
            guard let c = TreeObject(chain, Chain.CodingKeys.self) else { return nil }
            let certificates = c[.certificates].map { $0.treeArray(Self.rawBytes) } ?? []
            guard let certificates, certificates.count <= Limits.maxCertificates else { return nil }
            signer = .x509CertificateChain(certificates)
        case (nil, nil, let certificate?):
            guard let bytes = Self.rawBytes(certificate) else { return nil }
            signer = .certificate(bytes)
        default:
            return nil
        }
        let entries = o[.tlogEntries].map { $0.treeArray(TransparencyLogEntry.init(tree:)) } ?? []
        guard let entries, entries.count <= Limits.maxTlogEntries else { return nil }
        var timestamps: TimestampVerificationData?
        if let data = o[.timestampVerificationData] {
            guard let parsed = TimestampVerificationData(tree: data) else { return nil }
            timestamps = parsed
        }
        self.init(signer: signer, tlogEntries: entries, timestampVerificationData: timestamps)
    }

    /// `{"rawBytes": "<base64>"}`, the field optional (empty bytes).
    static func rawBytes(_ value: OrderedJSON) -> Base64Bytes? {
        guard let o = TreeObject(value, RawBytes.CodingKeys.self) else { return nil }
        guard let raw = o[.rawBytes] else { return Base64Bytes([]) }
        return raw.treeBase64
    }
}

extension MessageSignature {
    init?(tree: OrderedJSON) {
        guard let o = TreeObject(tree, CodingKeys.self) else { return nil }
        var digest: MessageDigest?
        if let d = o[.messageDigest] {
            guard let m = TreeObject(d, MessageDigest.CodingKeys.self) else { return nil }
            let algorithm = m[.algorithm].map(\.treeString) ?? "HASH_ALGORITHM_UNSPECIFIED"
            let bytes = m[.digest].map(\.treeBase64) ?? Base64Bytes([])
            guard let algorithm, let bytes else { return nil }
            digest = MessageDigest(algorithm: algorithm, digest: bytes.bytes)
        }
        let signature = o[.signature].map(\.treeBase64) ?? Base64Bytes([])
        guard let signature else { return nil }
        self.init(messageDigest: digest, signature: signature.bytes)
    }
}

extension TimestampVerificationData {
    init?(tree: OrderedJSON) {
        guard let o = TreeObject(tree, CodingKeys.self) else { return nil }
        let list = o[.rfc3161Timestamps].map {
            $0.treeArray { item -> Base64Bytes? in
                guard let signed = TreeObject(item, Signed.CodingKeys.self) else { return nil }
                return signed[.signedTimestamp]?.treeBase64
            }
        } ?? []
        guard let list, list.count <= Limits.maxTimestamps else { return nil }
        self.init(rfc3161Timestamps: list)
    }
}

extension DSSEEnvelope {
    init?(tree: OrderedJSON) {
        guard let o = TreeObject(tree, CodingKeys.self),
            let payload = o[.payload]?.treeBase64, let payloadType = o[.payloadType]?.treeString
        else { return nil }
        let signatures = o[.signatures].map {
            $0.treeArray { item -> Signature? in
                guard let s = TreeObject(item, Signature.CodingKeys.self) else { return nil }
                let sig = s[.sig].map(\.treeBase64) ?? Base64Bytes([])
                guard let sig else { return nil }
                let keyid = s[.keyid]
                if keyid != nil && keyid?.treeString == nil { return nil }
                return Signature(sig: sig.bytes, keyid: keyid?.treeString)
            }
        } ?? []
        guard let signatures, signatures.count <= Limits.maxSignatures else { return nil }
        self.init(payload: payload.bytes, payloadType: payloadType, signatures: signatures)
    }
}

extension TransparencyLogEntry {
    init(
        logIndex: Int64String, logID: Base64Bytes, kind: String, version: String, integratedTime: Int64String?,
        signedEntryTimestamp: Base64Bytes?, inclusionProof: InclusionProof?, canonicalizedBody: Base64Bytes?
    ) {
        self.logIndex = logIndex
        self.logID = logID
        self.kind = kind
        self.version = version
        self.integratedTime = integratedTime
        self.signedEntryTimestamp = signedEntryTimestamp
        self.inclusionProof = inclusionProof
        self.canonicalizedBody = canonicalizedBody
    }

    init?(tree: OrderedJSON) {
        guard let o = TreeObject(tree, CodingKeys.self),
            let logIndex = o[.logIndex].map(\.treeInt64) ?? Int64String(0),
            let logID = TreeObject(o[.logId], LogIDJSON.CodingKeys.self)?[.keyId]?.treeBase64,
            let kindVersion = TreeObject(o[.kindVersion], KindVersion.CodingKeys.self),
            let kind = kindVersion[.kind]?.treeString, let version = kindVersion[.version]?.treeString
        else { return nil }
        var integratedTime: Int64String?
        if let value = o[.integratedTime] {
            guard let time = value.treeInt64 else { return nil }
            integratedTime = time
        }
        var signedEntryTimestamp: Base64Bytes?
        if let promise = o[.inclusionPromise] {
            guard let set = TreeObject(promise, Promise.CodingKeys.self)?[.signedEntryTimestamp]?.treeBase64 else { return nil }
            signedEntryTimestamp = set
        }
        var inclusionProof: InclusionProof?
        if let proof = o[.inclusionProof] {
            guard let parsed = InclusionProof(tree: proof) else { return nil }
            inclusionProof = parsed
        }
        var body: Base64Bytes?
        if let value = o[.canonicalizedBody] {
            guard let bytes = value.treeBase64 else { return nil }
            body = bytes
        }
        self.init(
            logIndex: logIndex, logID: logID, kind: kind, version: version, integratedTime: integratedTime,
            signedEntryTimestamp: signedEntryTimestamp, inclusionProof: inclusionProof, canonicalizedBody: body)
    }
}

extension InclusionProof {
    init(logIndex: Int64String, rootHash: Base64Bytes, treeSize: Int64String, hashes: [Base64Bytes], checkpoint: String?) {
        self.logIndex = logIndex
        self.rootHash = rootHash
        self.treeSize = treeSize
        self.hashes = hashes
        self.checkpoint = checkpoint
    }

    init?(tree: OrderedJSON) {
        guard let o = TreeObject(tree, CodingKeys.self),
            let logIndex = o[.logIndex].map(\.treeInt64) ?? Int64String(0),
            let rootHash = o[.rootHash]?.treeBase64, let treeSize = o[.treeSize]?.treeInt64,
            let hashes = o[.hashes].map({ $0.treeArray(\.treeBase64) }) ?? [], hashes.count <= 64
        else { return nil }
        var checkpoint: String?
        if let value = o[.checkpoint] {
            guard let envelope = TreeObject(value, Checkpoint.CodingKeys.self)?[.envelope]?.treeString else { return nil }
            checkpoint = envelope
        }
        self.init(logIndex: logIndex, rootHash: rootHash, treeSize: treeSize, hashes: hashes, checkpoint: checkpoint)
    }
}
