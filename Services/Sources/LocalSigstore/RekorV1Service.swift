public import Foundation
internal import HTTPTypes
public import Crypto
public import Hummingbird
internal import SigstoreCrypto
internal import SigstoreIssuing
internal import SigstoreModels
internal import SigstoreVerify
public import TransparencyLog
internal import SwiftASN1
internal import X509
import SigstoreJSON

/// Rekor's v1 REST API over one transparency log: hashedrekord 0.0.1 and dsse 0.0.1 entries, signed entry
/// timestamps, inclusion and consistency proofs, and checkpoints with origin `<host> - <tree ID>`.
public struct RekorV1Service: Sendable {
    let log: TransparencyLog
    let key: P256.Signing.PrivateKey
    let treeID: Int64
    /// The largest request body accepted.
    public var maxBodySize = 1 << 20

    var logID: [UInt8] { Array(SHA256.hash(data: key.publicKey.derRepresentation)) }

    /// Creates the service over `log`, signing with `key`.
    public init(log: TransparencyLog, key: P256.Signing.PrivateKey, treeID: Int64) {
        self.log = log
        self.key = key
        self.treeID = treeID
    }

    /// The checkpoint signer for this log: origin `<host> - <treeID>`, a `Timestamp:` line as Rekor writes, an ECDSA
    /// signature whose key hint is the log ID's first four bytes.
    public static func checkpointSigner(
        key: P256.Signing.PrivateKey, host: String, treeID: Int64, now: @escaping @Sendable () -> Date
    ) -> TransparencyLog.CheckpointSigner {
        let signer = CheckpointSigner.rekorV1(key: key, host: host, treeID: treeID)
        return { size, root in try signer.sign(size: size, rootHash: root, at: now()) }
    }

    /// Adds the routes to `router`.
    public func register(on router: some RouterMethods<BasicRequestContext>) {
        let group = router.group().add(middleware: JSONErrorMiddleware<BasicRequestContext>(style: .rekor))
        group.post("/api/v1/log/entries") { request, _ in
            var request = request
            let proposed = try await request.jsonObject(limit: maxBodySize)
            let entry = try Self.canonicalize(proposed)
            switch try await log.append(body: entry.body, searchKeys: entry.searchKeys) {
            case .duplicate(let index):
                let id = entryID(leafHash: Merkle.leafHash(entry.body))
                throw ServiceError(
                    .conflict, "an equivalent entry already exists in the transparency log with UUID \(id)",
                    headers: [.location: "/api/v1/log/entries/\(id)", HTTPField.Name("x-log-index")!: "\(index)"])
            case .added(let index, let time, let checkpoint):
                let record = LogRecord(index: index, body: entry.body, integratedTime: time)
                let id = entryID(leafHash: Merkle.leafHash(entry.body))
                return Response.json(
                    try await logEntry(record, checkpoint: checkpoint), status: .created,
                    headers: [.eTag: id, .location: "/api/v1/log/entries/\(id)"])
            }
        }
        group.get("/api/v1/log/entries") { request, _ in
            guard let text = request.uri.queryParameters["logIndex"], let index = Int(text), index >= 0 else {
                throw ServiceError.badRequest("logIndex must be a non-negative integer")
            }
            guard let record = try await log.record(at: index) else { throw ServiceError(.notFound, "no entry at index \(index)") }
            return Response.json(try await logEntry(record, checkpoint: nil))
        }
        group.get("/api/v1/log/entries/:id") { _, context in
            let id = context.parameters.get("id") ?? ""
            guard let record = try await record(entryID: id) else { throw ServiceError(.notFound, "no entry with UUID \(id)") }
            return Response.json(try await logEntry(record, checkpoint: nil))
        }
        // The router ignores a trailing slash, which sigstore-python sends.
        group.post("/api/v1/log/entries/retrieve") { request, _ in
            var request = request
            return Response.json(try await retrieve(try await request.jsonObject(limit: maxBodySize)))
        }
        group.post("/api/v1/index/retrieve") { request, _ in
            var request = request
            return Response.json(try await search(try await request.jsonObject(limit: maxBodySize)))
        }
        group.get("/api/v1/log") { _, _ in
            let checkpoint = try await log.checkpoint
            return Response.json(.object([
                ("rootHash", .string(Hex.encode(checkpoint.rootHash))), ("signedTreeHead", .string(checkpoint.note)),
                ("treeID", .string(String(treeID))), ("treeSize", .number(Int64(checkpoint.size))),
            ]))
        }
        group.get("/api/v1/log/proof") { request, _ in
            let q = request.uri.queryParameters
            guard let last = q["lastSize"].flatMap({ Int($0) }), last >= 1 else {
                throw ServiceError.badRequest("lastSize must be a positive integer")
            }
            let first = q["firstSize"].flatMap { Int($0) } ?? 1
            guard first >= 1, first <= last else { throw ServiceError.badRequest("firstSize must be between 1 and lastSize") }
            guard let proof = try await log.consistencyProof(from: first, to: last), let root = try await log.rootHash(size: last) else {
                throw ServiceError.badRequest("lastSize \(last) is larger than the log")
            }
            return Response.json(.object([
                ("hashes", .array(proof.map { .string(Hex.encode($0)) })), ("rootHash", .string(Hex.encode(root))),
            ]))
        }
        group.get("/api/v1/log/publicKey") { _, _ in
            Response.bytes(Array(key.publicKey.pemRepresentation.utf8) + [0x0A], contentType: "application/x-pem-file")
        }
        group.get("/healthz") { _, _ in Response.json(.object([("status", .string("ok"))])) }
    }

    // MARK: - Entries

    /// `<16-hex tree ID><64-hex leaf hash>`.
    func entryID(leafHash: [UInt8]) -> String {
        Self.treePrefix(treeID) + Hex.encode(leafHash)
    }

    /// The 16 hex digits of a tree ID that start its entry UUIDs.
    static func treePrefix(_ treeID: Int64) -> String {
        let tree = String(UInt64(bitPattern: treeID), radix: 16)
        return String(repeating: "0", count: max(0, 16 - tree.count)) + tree
    }

    func record(entryID id: String) async throws -> LogRecord? {
        let lower = id.lowercased()
        guard lower.count == 64 || lower.count == 80, Hex.decode(lower) != nil else { return nil }
        if lower.count == 80, lower.prefix(16) != entryID(leafHash: []).prefix(16) { return nil }
        guard let index = try await log.index(ofLeafHash: Hex.decode(lower.suffix(64))!) else { return nil }
        return try await log.record(at: index)
    }

    /// The `{"<entry ID>": LogEntry}` object for a record, with its SET and an inclusion proof against `checkpoint`
    /// (the newest one when nil).
    func logEntry(_ record: LogRecord, checkpoint given: TransparencyLog.Checkpoint?) async throws -> OrderedJSON {
        let checkpoint: TransparencyLog.Checkpoint
        if let given { checkpoint = given } else { checkpoint = try await log.checkpoint }
        let leafHash = Merkle.leafHash(record.body)
        let proof = try await log.inclusionProof(index: record.index, size: checkpoint.size) ?? []
        let signature = try LogSigner(key: key).signedEntryTimestamp(
            body: record.body, integratedTime: record.integratedTime, logIndex: Int64(record.index))
        let entry = OrderedJSON.object([
            ("body", .base64(record.body)), ("integratedTime", .number(record.integratedTime)),
            ("logID", .string(Hex.encode(logID))), ("logIndex", .number(Int64(record.index))),
            ("verification", .object([
                ("inclusionProof", .object([
                    ("checkpoint", .string(checkpoint.note)), ("hashes", .array(proof.map { .string(Hex.encode($0)) })),
                    ("logIndex", .number(Int64(record.index))), ("rootHash", .string(Hex.encode(checkpoint.rootHash))),
                    ("treeSize", .number(Int64(checkpoint.size))),
                ])),
                ("signedEntryTimestamp", .base64(signature)),
            ])),
        ])
        return .object([(entryID(leafHash: leafHash), entry)])
    }

    func retrieve(_ request: OrderedJSON) async throws -> OrderedJSON {
        try request.onlyKeys(["entryUUIDs", "logIndexes", "entries"], in: "retrieve request")
        var records: [LogRecord] = []
        if let ids = request["entryUUIDs"]?.arrayValue {
            guard (1...10).contains(ids.count) else { throw ServiceError.badRequest("entryUUIDs must list 1 to 10 UUIDs") }
            for id in ids {
                guard let s = id.stringValue else { throw ServiceError.badRequest("entryUUIDs must be strings") }
                if let r = try await record(entryID: s) { records.append(r) }
            }
        }
        if let indexes = request["logIndexes"]?.arrayValue {
            guard (1...10).contains(indexes.count) else { throw ServiceError.badRequest("logIndexes must list 1 to 10 indices") }
            for i in indexes {
                guard let index = i.int64Value, index >= 0 else { throw ServiceError.badRequest("logIndexes must be non-negative integers") }
                if let r = try await log.record(at: Int(index)) { records.append(r) }
            }
        }
        if let entries = request["entries"]?.arrayValue {
            guard (1...10).contains(entries.count) else { throw ServiceError.badRequest("entries must list 1 to 10 entries") }
            for e in entries {
                let body = try Self.canonicalize(e).body
                if let index = try await log.index(ofLeafHash: Merkle.leafHash(body)), let r = try await log.record(at: index) {
                    records.append(r)
                }
            }
        }
        var out: [OrderedJSON] = []
        for r in records { out.append(try await logEntry(r, checkpoint: nil)) }
        return .array(out)
    }

    func search(_ request: OrderedJSON) async throws -> OrderedJSON {
        try request.onlyKeys(["hash", "email", "publicKey", "operator"], in: "search request")
        var keys: [String] = []
        if let hash = request["hash"]?.stringValue {
            let lower = hash.lowercased()
            let value = lower.hasPrefix("sha256:") ? String(lower.dropFirst(7)) : lower
            guard value.count == 64, Hex.decode(value) != nil else { throw ServiceError.badRequest("hash must be sha256:<64 hex digits>") }
            keys.append("sha256:" + value)
        }
        if let email = request["email"]?.stringValue { keys.append("email:" + email.lowercased()) }
        guard !keys.isEmpty else { throw ServiceError.badRequest("search by hash or email") }
        let and = request["operator"]?.stringValue == "and"
        var result: [Int]? = nil
        for key in keys {
            let found = try await log.indices(searchKey: key)
            if let current = result {
                result = and ? current.filter(found.contains) : Array(Set(current).union(found)).sorted()
            } else {
                result = found
            }
        }
        var ids: [OrderedJSON] = []
        for index in result ?? [] {
            if let r = try await log.record(at: index) { ids.append(.string(Hex.encode(Merkle.leafHash(r.body)))) }
        }
        return .array(ids)
    }

    // MARK: - Canonical bodies

    /// A proposed entry's canonical body (RFC 8785) and search keys, after its signatures verify.
    static func canonicalize(_ proposed: OrderedJSON) throws -> (body: [UInt8], searchKeys: [String]) {
        try proposed.onlyKeys(["apiVersion", "kind", "spec"], in: "proposed entry")
        let kind = try proposed.requiredString("kind", in: "proposed entry")
        let version = try proposed.requiredString("apiVersion", in: "proposed entry")
        guard let spec = proposed["spec"], case .object = spec else { throw ServiceError.badRequest("proposed entry: spec must be an object") }
        switch (kind, version) {
        case ("hashedrekord", "0.0.1"): return try hashedRekord(spec)
        case ("dsse", "0.0.1"): return try dsse(spec)
        case ("intoto", "0.0.2"): return try intoto(spec)
        default:
            throw ServiceError.badRequest(
                "unsupported entry type \(kind) \(version): this log accepts hashedrekord 0.0.1, dsse 0.0.1 and intoto 0.0.2")
        }
    }

    /// A verifier from `publicKey.content`: base64 of a PEM certificate or PEM public key.
    static func verifier(base64PEM: String, what: String) throws -> (key: SigstoreCrypto.PublicKey, canonicalPEM: String, emails: [String]) {
        guard let pemBytes = Base64.decode(base64PEM), let text = String(bytes: pemBytes, encoding: .utf8),
              let block = try? PEMBlock.parseFirst(text)
        else { throw ServiceError.badRequest("\(what) is not base64 of a PEM certificate or public key") }
        do {
            switch block.label {
            case "CERTIFICATE":
                let certificate = try Certificate(derEncoded: block.bytes)
                let key = try SigstoreCrypto.PublicKey(derEncoded: try der(certificate.publicKey))
                // The identity search keys (`email:`, `uri:`) the explorer finds entries by.
                return (key, PEMBlock(label: "CERTIFICATE", bytes: block.bytes).pemString, Explorer.identityKeys(certificateDER: block.bytes))
            case "PUBLIC KEY":
                let key = try SigstoreCrypto.PublicKey(derEncoded: block.bytes)
                return (key, PEMBlock(label: "PUBLIC KEY", bytes: key.derRepresentation).pemString, [])
            default:
                throw ServiceError.badRequest("\(what) holds a \(block.label), not a certificate or public key")
            }
        } catch let error as ServiceError {
            throw error
        } catch {
            throw ServiceError.badRequest("\(what) cannot be parsed: \(error)")
        }
    }

    static func hashedRekord(_ spec: OrderedJSON) throws -> (body: [UInt8], searchKeys: [String]) {
        try spec.onlyKeys(["signature", "data"], in: "hashedrekord spec")
        guard let signature = spec["signature"], let data = spec["data"] else {
            throw ServiceError.badRequest("hashedrekord spec needs signature and data")
        }
        let sigBytes = try signature.requiredBase64("content", in: "hashedrekord signature")
        guard let keyField = signature["publicKey"]?["content"]?.stringValue else {
            throw ServiceError.badRequest("hashedrekord signature.publicKey.content is missing")
        }
        let verifier = try verifier(base64PEM: keyField, what: "hashedrekord signature.publicKey.content")
        guard let hash = data["hash"], let algorithm = hash["algorithm"]?.stringValue, let value = hash["value"]?.stringValue else {
            throw ServiceError.badRequest("hashedrekord data.hash needs algorithm and value")
        }
        let hashAlgorithm: HashAlgorithm
        switch algorithm {
        case "sha256": hashAlgorithm = .sha256
        case "sha384": hashAlgorithm = .sha384
        case "sha512": hashAlgorithm = .sha512
        default: throw ServiceError.badRequest("hashedrekord data.hash.algorithm must be sha256, sha384 or sha512")
        }
        guard value.count == hashAlgorithm.byteCount * 2, value == value.lowercased(), let digestBytes = Hex.decode(value) else {
            throw ServiceError.badRequest("hashedrekord data.hash.value must be \(hashAlgorithm.byteCount * 2) lowercase hex digits")
        }
        do {
            try verifier.key.verifySignature(sigBytes, digest: try ArtifactDigest(algorithm: hashAlgorithm, bytes: digestBytes))
        } catch {
            throw ServiceError.badRequest("hashedrekord signature does not verify over the digest with the given key")
        }
        let body = OrderedJSON.object([
            ("apiVersion", .string("0.0.1")), ("kind", .string("hashedrekord")),
            ("spec", .object([
                ("data", .object([("hash", .object([("algorithm", .string(algorithm)), ("value", .string(value))]))])),
                ("signature", .object([
                    ("content", .base64(sigBytes)),
                    ("publicKey", .object([("content", .base64(Array(verifier.canonicalPEM.utf8)))])),
                ])),
            ])),
        ]).serialized()
        return (body, ["sha256:" + (algorithm == "sha256" ? value : Hex.encode(SHA256.hash(data: digestBytes)))] + verifier.emails)
    }

    static func dsse(_ spec: OrderedJSON) throws -> (body: [UInt8], searchKeys: [String]) {
        // sigstore-python sends the computed fields as null; null reads as absent.
        try spec.onlyKeys(["proposedContent", "signatures", "envelopeHash", "payloadHash"], in: "dsse spec")
        guard let content = spec["proposedContent"] else { throw ServiceError.badRequest("dsse spec needs proposedContent") }
        let envelopeText = try content.requiredString("envelope", in: "dsse proposedContent")
        guard let verifierList = content["verifiers"]?.arrayValue, !verifierList.isEmpty else {
            throw ServiceError.badRequest("dsse proposedContent needs at least one verifier")
        }
        let verifiers = try verifierList.map { v -> (key: SigstoreCrypto.PublicKey, canonicalPEM: String, emails: [String]) in
            guard let s = v.stringValue else { throw ServiceError.badRequest("dsse verifiers must be strings") }
            return try verifier(base64PEM: s, what: "dsse verifier")
        }
        guard let envelope = try? JSONParser.parse(Array(envelopeText.utf8)), case .object = envelope else {
            throw ServiceError.badRequest("dsse envelope is not a JSON object")
        }
        let payloadType = try envelope.requiredString("payloadType", in: "dsse envelope")
        let payloadText = try envelope.requiredString("payload", in: "dsse envelope")
        guard let payload = Base64.decode(payloadText) else { throw ServiceError.badRequest("dsse envelope payload is not base64") }
        guard let signatures = envelope["signatures"]?.arrayValue, !signatures.isEmpty else {
            throw ServiceError.badRequest("dsse envelope has no signatures")
        }
        let pae = DSSEEnvelope.preAuthenticationEncoding(payloadType: payloadType, payload: payload)
        var logged: [(sig: String, verifier: String)] = []
        for signature in signatures {
            let sigText = try signature.requiredString("sig", in: "dsse envelope signature")
            guard let sig = Base64.decode(sigText) else { throw ServiceError.badRequest("dsse envelope signature is not base64") }
            guard let match = verifiers.first(where: { (try? $0.key.verifySignature(sig, message: pae)) != nil }) else {
                throw ServiceError.badRequest("a dsse envelope signature does not verify with any of the verifiers")
            }
            logged.append((sigText, Base64.encode(Array(match.canonicalPEM.utf8))))
        }
        logged.sort { $0.sig < $1.sig }
        let payloadHash = Hex.encode(SHA256.hash(data: payload))
        let body = OrderedJSON.object([
            ("apiVersion", .string("0.0.1")), ("kind", .string("dsse")),
            ("spec", .object([
                ("envelopeHash", .object([
                    ("algorithm", .string("sha256")), ("value", .string(Hex.encode(SHA256.hash(data: Array(envelopeText.utf8))))),
                ])),
                ("payloadHash", .object([("algorithm", .string("sha256")), ("value", .string(payloadHash))])),
                ("signatures", .array(logged.map { .object([("signature", .string($0.sig)), ("verifier", .string($0.verifier))]) })),
            ])),
        ]).serialized()
        return (body, ["sha256:" + payloadHash] + verifiers.flatMap(\.emails))
    }

    /// intoto 0.0.2 (cosign 2's attestations): `payload`, `sig` and `publicKey` arrive base64-encoded once more; the
    /// client supplies the envelope hash; the canonical body drops the payload and keeps its SHA-256.
    static func intoto(_ spec: OrderedJSON) throws -> (body: [UInt8], searchKeys: [String]) {
        try spec.onlyKeys(["content"], in: "intoto spec")
        guard let content = spec["content"] else { throw ServiceError.badRequest("intoto spec needs content") }
        try content.onlyKeys(["envelope", "hash", "payloadHash"], in: "intoto content")
        guard let envelope = content["envelope"] else { throw ServiceError.badRequest("intoto content needs an envelope") }
        try envelope.onlyKeys(["payloadType", "payload", "signatures"], in: "intoto envelope")
        let payloadType = try envelope.requiredString("payloadType", in: "intoto envelope")
        guard let payloadText = String(bytes: try envelope.requiredBase64("payload", in: "intoto envelope"), encoding: .utf8),
              let payload = Base64.decode(payloadText)
        else { throw ServiceError.badRequest("intoto envelope payload must be base64 of the envelope's base64 payload") }
        guard let hash = content["hash"], hash["algorithm"]?.stringValue == "sha256", let envelopeHash = hash["value"]?.stringValue,
              envelopeHash.count == 64, envelopeHash == envelopeHash.lowercased(), Hex.decode(envelopeHash) != nil
        else { throw ServiceError.badRequest("intoto content.hash must be a sha256 of the envelope (64 lowercase hex digits)") }
        guard let signatures = envelope["signatures"]?.arrayValue, !signatures.isEmpty else {
            throw ServiceError.badRequest("intoto envelope has no signatures")
        }
        let pae = DSSEEnvelope.preAuthenticationEncoding(payloadType: payloadType, payload: payload)
        var logged: [OrderedJSON] = []
        var emails: [String] = []
        for signature in signatures {
            try signature.onlyKeys(["keyid", "sig", "publicKey"], in: "intoto signature")
            let sigField = try signature.requiredBase64("sig", in: "intoto signature")
            guard let sigText = String(bytes: sigField, encoding: .utf8), let sig = Base64.decode(sigText) else {
                throw ServiceError.badRequest("intoto signature sig must be base64 of the envelope's base64 signature")
            }
            let keyField = try signature.requiredString("publicKey", in: "intoto signature")
            let verifier = try verifier(base64PEM: keyField, what: "intoto signature publicKey")
            do {
                try verifier.key.verifySignature(sig, message: pae)
            } catch {
                throw ServiceError.badRequest("an intoto envelope signature does not verify with its public key")
            }
            emails += verifier.emails
            var members: [(String, OrderedJSON)] = []
            if let keyid = signature["keyid"]?.stringValue, !keyid.isEmpty { members.append(("keyid", .string(keyid))) }
            members += [("publicKey", .base64(Base64.decode(keyField) ?? [])), ("sig", .base64(sigField))]
            logged.append(.object(members))
        }
        let payloadHash = Hex.encode(SHA256.hash(data: payload))
        let body = OrderedJSON.object([
            ("apiVersion", .string("0.0.2")), ("kind", .string("intoto")),
            ("spec", .object([
                ("content", .object([
                    ("envelope", .object([("payloadType", .string(payloadType)), ("signatures", .array(logged))])),
                    ("hash", .object([("algorithm", .string("sha256")), ("value", .string(envelopeHash))])),
                    ("payloadHash", .object([("algorithm", .string("sha256")), ("value", .string(payloadHash))])),
                ])),
            ])),
        ]).serialized()
        return (body, ["sha256:" + payloadHash] + emails)
    }
}
