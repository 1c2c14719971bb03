internal import Foundation
public import SigstoreCrypto
public import SigstoreModels
internal import SigstoreVerify
public import SigstoreJSON
import SigstoreCore

/// An entry a transparency log accepted, in the bundle's form, plus what cosign's legacy `dev.sigstore.cosign/bundle`
/// annotation needs (Rekor v1 only).
public struct LoggedEntry: Sendable {
    /// The bundle's `TransparencyLogEntry`.
    public var entry: TransparencyLogEntry
    /// The major API version of the log that took it.
    public var apiVersion: Int
    /// Whether the log already held it (HTTP 409).
    public var alreadyLogged: Bool

    /// cosign's legacy Rekor bundle annotation (`{"SignedEntryTimestamp", "Payload": {body, integratedTime, logIndex,
    /// logID}}`), for Rekor v1 entries.
    public var legacyAnnotation: String? {
        guard apiVersion == 1, let set = entry.signedEntryTimestamp, let body = entry.canonicalizedBody else { return nil }
        let json: OrderedJSON = .object([
            ("SignedEntryTimestamp", .string(Base64.encode(set.bytes))),
            (
                "Payload",
                .object([
                    ("body", .string(Base64.encode(body.bytes))), ("integratedTime", .number(entry.integratedTime?.value ?? 0)),
                    ("logIndex", .number(entry.logIndex.value)), ("logID", .string(Hex.encode(entry.logID.bytes))),
                ])
            ),
        ])
        return String(decoding: json.serialized(), as: UTF8.self)
    }
}

/// What is written to a transparency log.
public enum LogProposal: Sendable {
    /// A signature over a digest (`hashedrekord`). `verifier` is the signing certificate (DER) or, for keys, nil.
    case hashedRekord(digest: ArtifactDigest, signature: [UInt8], certificate: [UInt8]?, publicKey: PublicKey)
    /// A DSSE envelope (`dsse` on Rekor v1; on Rekor v2 a hashedrekord over the envelope's pre-authentication
    /// encoding, as cosign 3.1 and sigstore-python 4.3 write it).
    case dsse(envelope: DSSEEnvelope, certificate: [UInt8]?, publicKey: PublicKey)
}

/// Uploads entries to Rekor v1 (`/api/v1/log/entries`) or Rekor v2 (`/api/v2/log/entries`).
public struct RekorClient: Sendable {
    /// The log's base URL.
    public var baseURL: String
    /// 1 or 2.
    public var apiVersion: Int
    let http: ServiceHTTP

    /// Creates a client.
    public init(baseURL: String, apiVersion: Int, http: ServiceHTTP) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.apiVersion = apiVersion
        self.http = http
    }

    /// Uploads a proposal and returns the entry with its inclusion proof (and, for v1, the SET). An entry the log
    /// already holds (409) is fetched and returned for v1, and refused for v2, which has no lookup.
    public func upload(_ proposal: LogProposal) async throws -> LoggedEntry {
        apiVersion == 2 ? try await uploadV2(proposal) : try await uploadV1(proposal)
    }

    // MARK: - v1

    /// The PEM Rekor stores: the certificate's, or the public key's.
    static func pem(_ certificate: [UInt8]?, _ key: PublicKey) -> String {
        certificate.map { PEMBlock(label: "CERTIFICATE", bytes: $0).pemString } ?? key.pemRepresentation
    }

    /// The Rekor v1 proposed entry for `proposal`.
    public static func v1Body(_ proposal: LogProposal) throws -> OrderedJSON {
        switch proposal {
        case .hashedRekord(let digest, let signature, let certificate, let key):
            return .object([
                ("apiVersion", .string("0.0.1")), ("kind", .string("hashedrekord")),
                (
                    "spec",
                    .object([
                        ("data", .object([("hash", .object([("algorithm", .string(digest.algorithm.rawValue)), ("value", .string(Hex.encode(digest.bytes)))]))])),
                        (
                            "signature",
                            .object([
                                ("content", .string(Base64.encode(signature))),
                                ("publicKey", .object([("content", .string(Base64.encode(Array(pem(certificate, key).utf8))))])),
                            ])
                        ),
                    ])
                ),
            ])
        case .dsse(let envelope, let certificate, let key):
            let text = String(decoding: envelope.orderedJSON.serialized(), as: UTF8.self)
            return .object([
                ("apiVersion", .string("0.0.1")), ("kind", .string("dsse")),
                (
                    "spec",
                    .object([
                        (
                            "proposedContent",
                            .object([
                                ("envelope", .string(text)),
                                ("verifiers", .array([.string(Base64.encode(Array(pem(certificate, key).utf8)))])),
                            ])
                        )
                    ])
                ),
            ])
        }
    }

    func uploadV1(_ proposal: LogProposal) async throws -> LoggedEntry {
        let response = try await http.send(
            "POST", baseURL + "/api/v1/log/entries", headers: [("Content-Type", "application/json"), ("Accept", "application/json")],
            body: try Self.v1Body(proposal).serialized(), service: "Rekor")
        switch response.status {
        case 201, 200:
            return LoggedEntry(entry: try Self.parseV1(response.body), apiVersion: 1, alreadyLogged: false)
        case 409:
            guard let location = response.headers["location"], !location.isEmpty else {
                throw SigningError(.transparencyLog, "Rekor reports the entry exists but gives no location: \(response.serviceMessage)")
            }
            let url = location.hasPrefix("http") ? location : baseURL + (location.hasPrefix("/") ? "" : "/") + location
            let existing = try await http.send("GET", url, headers: [("Accept", "application/json")], service: "Rekor")
            guard existing.status == 200 else {
                throw SigningError(.transparencyLog, "fetching the existing Rekor entry failed (HTTP \(existing.status)): \(existing.serviceMessage)")
            }
            return LoggedEntry(entry: try Self.parseV1(existing.body), apiVersion: 1, alreadyLogged: true)
        default:
            throw SigningError(.transparencyLog, "Rekor refused the entry (HTTP \(response.status)): \(response.serviceMessage)")
        }
    }

    /// Looks a proposed entry up in a Rekor v1 log (`POST /api/v1/log/entries/retrieve`, as Go cosign does for a
    /// detached signature): the entries the log holds for it, each with its SET and inclusion proof. An entry whose
    /// UUID is not the leaf hash of its body is dropped (cosign's `verifyUUID`); everything else about it is left to
    /// the verifier.
    public func search(_ proposal: LogProposal) async throws -> [TransparencyLogEntry] {
        guard apiVersion == 1 else {
            throw SigningError(.transparencyLog, "Rekor v\(apiVersion) has no search: the entry must come in a bundle")
        }
        let request: OrderedJSON = .object([("entries", .array([try Self.v1Body(proposal)]))])
        let response = try await http.send(
            "POST", baseURL + "/api/v1/log/entries/retrieve", headers: [("Content-Type", "application/json"), ("Accept", "application/json")],
            body: request.serialized(), service: "Rekor")
        guard response.status == 200 else {
            throw SigningError(.transparencyLog, "searching log query: Rekor answered HTTP \(response.status): \(response.serviceMessage)")
        }
        guard case .array(let results)? = try? JSONParser.parse(response.body) else {
            throw SigningError(.transparencyLog, "searching log query: Rekor's answer is not a JSON array")
        }
        var entries: [TransparencyLogEntry] = []
        for result in results {
            guard case .object(let members) = result else { continue }
            for (uuid, value) in members {
                let entry = try Self.parseV1(OrderedJSON.object([(uuid, value)]).serialized())
                guard let body = entry.canonicalizedBody?.bytes,
                    uuid.lowercased().hasSuffix(Hex.encode(Merkle.leafHash(body))) else { continue }
                entries.append(entry)
            }
        }
        return entries
    }

    /// The Rekor v1 entry at `logIndex` (`GET /api/v1/log/entries?logIndex=N`), with its SET and inclusion proof.
    public func entry(atIndex logIndex: Int64) async throws -> TransparencyLogEntry {
        guard apiVersion == 1 else {
            throw SigningError(.transparencyLog, "Rekor v\(apiVersion) has no lookup by index")
        }
        let response = try await http.send(
            "GET", baseURL + "/api/v1/log/entries?logIndex=\(logIndex)", headers: [("Accept", "application/json")], service: "Rekor")
        guard response.status == 200 else {
            throw SigningError(
                .transparencyLog, "fetching log entry by index \(logIndex): Rekor answered HTTP \(response.status): \(response.serviceMessage)")
        }
        return try Self.parseV1(response.body)
    }

    /// Turns Rekor v1's `LogEntry` (`{"<uuid>": {body, integratedTime, logID, logIndex, verification}}`) into the
    /// bundle's `TransparencyLogEntry`.
    static func parseV1(_ bytes: [UInt8]) throws -> TransparencyLogEntry {
        func bad(_ what: String) -> SigningError { SigningError(.transparencyLog, "malformed Rekor entry: \(what)") }
        guard let outer = try? JSONDecoder().decode([String: LogEntryJSON].self, from: Data(bytes)), outer.count == 1,
            let entry = outer.first?.value
        else { throw bad("not a one-entry object") }
        guard let bodyB64 = entry.body, let body = Base64.decode(bodyB64) else { throw bad("no body") }
        guard let time = entry.integratedTime, let index = entry.logIndex, let logIDHex = entry.logID, let logID = Hex.decode(logIDHex)
        else { throw bad("no integratedTime, logIndex or logID") }
        struct KindVersion: Decodable { var kind: String; var apiVersion: String }
        guard let kindVersion = try? JSONDecoder().decode(KindVersion.self, from: Data(body)) else {
            throw bad("the body has no kind or apiVersion")
        }
        let (kind, version) = (kindVersion.kind, kindVersion.apiVersion)
        guard let verification = entry.verification, let setB64 = verification.signedEntryTimestamp, let set = Base64.decode(setB64)
        else { throw bad("no signed entry timestamp") }
        var members: [(String, OrderedJSON)] = [
            ("logIndex", .string(String(index))), ("logId", .object([("keyId", .base64(logID))])),
            ("kindVersion", .object([("kind", .string(kind)), ("version", .string(version))])),
            ("integratedTime", .string(String(time))), ("inclusionPromise", .object([("signedEntryTimestamp", .base64(set))])),
        ]
        if let proof = verification.inclusionProof {
            guard let proofIndex = proof.logIndex, let root = proof.rootHash.flatMap(Hex.decode), let size = proof.treeSize,
                let hashes = proof.hashes, let checkpoint = proof.checkpoint
            else { throw bad("incomplete inclusion proof") }
            var decoded: [OrderedJSON] = []
            for hash in hashes {
                guard let h = Hex.decode(hash) else { throw bad("inclusion proof hash is not hex") }
                decoded.append(.base64(h))
            }
            members.append((
                "inclusionProof",
                .object([
                    ("logIndex", .string(String(proofIndex))), ("rootHash", .base64(root)), ("treeSize", .string(String(size))),
                    ("hashes", .array(decoded)), ("checkpoint", .object([("envelope", .string(checkpoint))])),
                ])
            ))
        }
        members.append(("canonicalizedBody", .base64(body)))
        do {
            return try JSONCoding.decode(TransparencyLogEntry.self, from: OrderedJSON.object(members).serialized(), what: "Rekor entry")
        } catch {
            throw bad("\(error)")
        }
    }

    /// Rekor v1's `LogEntry` value, every member optional so that a missing one gets a precise error.
    struct LogEntryJSON: Decodable {
        struct Verification: Decodable {
            var signedEntryTimestamp: String?
            var inclusionProof: Proof?
        }
        struct Proof: Decodable {
            var logIndex: Int64?
            var rootHash: String?
            var treeSize: Int64?
            var hashes: [String]?
            var checkpoint: String?
        }
        var body: String?
        var integratedTime: Int64?
        var logIndex: Int64?
        var logID: String?
        var verification: Verification?
    }

    // MARK: - v2

    /// The `keyDetails` Rekor v2 requires: the key's default (sigstore-go rebuilds the leaf with it).
    public static func keyDetails(_ kind: KeyKind) -> String {
        switch kind {
        case .ecdsaP256: "PKIX_ECDSA_P256_SHA_256"
        case .ecdsaP384: "PKIX_ECDSA_P384_SHA_384"
        case .ecdsaP521: "PKIX_ECDSA_P521_SHA_512"
        case .rsa(let bits): "PKIX_RSA_PKCS1V15_\(bits)_SHA256"
        case .ed25519: "PKIX_ED25519_PH"
        }
    }

    /// The Rekor v2 request for `proposal`.
    public static func v2Body(_ proposal: LogProposal) throws -> OrderedJSON {
        let digest: [UInt8]
        let signature: [UInt8]
        let certificate: [UInt8]?
        let key: PublicKey
        switch proposal {
        case .hashedRekord(let d, let s, let c, let k):
            (digest, signature, certificate, key) = (d.bytes, s, c, k)
        case .dsse(let envelope, let c, let k):
            guard envelope.signatures.count == 1 else {
                throw SigningError(.transparencyLog, "Rekor v2 takes DSSE envelopes with exactly one signature")
            }
            digest = envelope.preAuthenticationDigest(k.defaultHashAlgorithm).bytes
            (signature, certificate, key) = (envelope.signatures[0].sig.bytes, c, k)
        }
        let verifier: OrderedJSON =
            certificate.map { .object([("x509Certificate", .object([("rawBytes", .base64($0))]))]) }
            ?? .object([("publicKey", .object([("rawBytes", .base64(key.derRepresentation))]))])
        var verifierMembers: [(String, OrderedJSON)] = []
        if case .object(let m) = verifier { verifierMembers = m }
        verifierMembers.append(("keyDetails", .string(keyDetails(key.kind))))
        return .object([
            (
                "hashedRekordRequestV002",
                .object([
                    ("digest", .base64(digest)),
                    ("signature", .object([("content", .base64(signature)), ("verifier", .object(verifierMembers))])),
                ])
            )
        ])
    }

    func uploadV2(_ proposal: LogProposal) async throws -> LoggedEntry {
        let response = try await http.send(
            "POST", baseURL + "/api/v2/log/entries", headers: [("Content-Type", "application/json"), ("Accept", "application/json")],
            body: try Self.v2Body(proposal).serialized(), service: "Rekor")
        switch response.status {
        case 200, 201:
            do {
                let entry = try JSONCoding.decode(TransparencyLogEntry.self, from: response.body, what: "Rekor v2 entry")
                guard entry.inclusionProof != nil else {
                    throw SigningError(.transparencyLog, "Rekor v2's answer has no inclusion proof")
                }
                return LoggedEntry(entry: entry, apiVersion: 2, alreadyLogged: false)
            } catch let error as SigningError {
                throw error
            } catch {
                throw SigningError(.transparencyLog, "malformed Rekor v2 entry: \(error)")
            }
        case 409:
            let index = response.headers["x-log-index"].map { " at index \($0)" } ?? ""
            throw SigningError(
                .transparencyLog, "Rekor v2 already holds this entry\(index); it cannot be fetched back to build a bundle")
        default:
            throw SigningError(.transparencyLog, "Rekor refused the entry (HTTP \(response.status)): \(response.serviceMessage)")
        }
    }
}
