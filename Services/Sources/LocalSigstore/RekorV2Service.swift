internal import Foundation
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

/// Rekor v2 (rekor-tiles): `POST /api/v2/log/entries` for hashedrekord 0.0.2, and the C2SP tlog-tiles read API
/// (`/api/v2/checkpoint`, `/api/v2/tile/…`). Checkpoints are Ed25519 signed notes whose origin is the log's host.
public struct RekorV2Service: Sendable {
    let log: TransparencyLog
    let key: Curve25519.Signing.PrivateKey
    let host: String
    /// The largest request body accepted.
    public var maxBodySize = 256 * 1024

    /// Creates the service over `log`, signing as `host`.
    public init(log: TransparencyLog, key: Curve25519.Signing.PrivateKey, host: String) {
        self.log = log
        self.key = key
        self.host = host
    }

    /// The C2SP key ID of an Ed25519 note key named `host` (the log ID in bundles and the trusted root).
    public static func keyID(key: Curve25519.Signing.PublicKey, host: String) -> [UInt8] {
        SignedNote.keyID(name: host, key: SigstoreCrypto.PublicKey(key))
    }

    /// The checkpoint signer: `host\nsize\nroot\n`, Ed25519 over the text.
    public static func checkpointSigner(key: Curve25519.Signing.PrivateKey, host: String) -> TransparencyLog.CheckpointSigner {
        let signer = CheckpointSigner.rekorV2(key: key, host: host)
        return { size, root in try signer.sign(size: size, rootHash: root, at: Date()) }
    }

    /// Adds the routes to `router`.
    public func register(on router: some RouterMethods<BasicRequestContext>) {
        let group = router.group().add(middleware: JSONErrorMiddleware<BasicRequestContext>(style: .grpcGateway))
        group.post("/api/v2/log/entries") { request, _ in
            var request = request
            let body = try Self.canonicalBody(try await request.jsonObject(limit: maxBodySize))
            switch try await log.append(body: body.bytes, searchKeys: body.searchKeys) {
            case .duplicate(let index):
                throw ServiceError(
                    .conflict, "an equivalent entry already exists in the log at index \(index)",
                    headers: [HTTPField.Name("x-log-index")!: "\(index)"])
            case .added(let index, _, let checkpoint):
                let proof = try await log.inclusionProof(index: index, size: checkpoint.size) ?? []
                return Response.json(entryJSON(index: index, body: body.bytes, checkpoint: checkpoint, proof: proof), status: .created)
            }
        }
        group.get("/api/v2/checkpoint") { _, _ in
            Response.bytes(Array(try await log.checkpoint.note.utf8), contentType: "text/plain; charset=utf-8")
        }
        group.get("/api/v2/tile/**") { _, context in
            let path = context.parameters.getCatchAll().joined(separator: "/")
            return try await tile(path)
        }
        group.get("/healthz") { _, _ in Response.json(.object([("status", .string("ok"))])) }
    }

    /// A `TransparencyLogEntry` in protobuf JSON with every field emitted, as rekor-tiles answers.
    func entryJSON(index: Int, body: [UInt8], checkpoint: TransparencyLog.Checkpoint, proof: [[UInt8]]) -> OrderedJSON {
        .object([
            ("logIndex", .string(String(index))),
            ("logId", .object([("keyId", .base64(Self.keyID(key: key.publicKey, host: host)))])),
            ("kindVersion", .object([("kind", .string("hashedrekord")), ("version", .string("0.0.2"))])),
            ("integratedTime", .string("0")),
            ("inclusionPromise", .null),
            ("inclusionProof", .object([
                ("logIndex", .string(String(index))), ("rootHash", .base64(checkpoint.rootHash)),
                ("treeSize", .string(String(checkpoint.size))), ("hashes", .array(proof.map { .base64($0) })),
                ("checkpoint", .object([("envelope", .string(checkpoint.note))])),
            ])),
            ("canonicalizedBody", .base64(body)),
        ])
    }

    /// The stored entry for a `hashedRekordRequestV002`, after its signature verifies.
    static func canonicalBody(_ request: OrderedJSON) throws -> (bytes: [UInt8], searchKeys: [String]) {
        if request["dsseRequestV002"] != nil {
            throw ServiceError.badRequest("dsseRequestV002 is not accepted: log DSSE envelopes as a hashedrekord over the PAE digest")
        }
        try request.onlyKeys(["hashedRekordRequestV002"], in: "create entry request")
        guard let hashed = request["hashedRekordRequestV002"] else { throw ServiceError.badRequest("missing hashedRekordRequestV002") }
        try hashed.onlyKeys(["digest", "signature"], in: "hashedRekordRequestV002")
        let digestBytes = try hashed.requiredBase64("digest", in: "hashedRekordRequestV002")
        guard let signature = hashed["signature"] else { throw ServiceError.badRequest("hashedRekordRequestV002 needs a signature") }
        try signature.onlyKeys(["content", "verifier"], in: "signature")
        let content = try signature.requiredBase64("content", in: "signature")
        guard let verifier = signature["verifier"] else { throw ServiceError.badRequest("signature needs a verifier") }
        try verifier.onlyKeys(["x509Certificate", "publicKey", "keyDetails"], in: "verifier")
        let keyDetails = try verifier.requiredString("keyDetails", in: "verifier")
        let key: SigstoreCrypto.PublicKey
        let bodyVerifier: RekorV2Body.Verifier
        do {
            if let cert = verifier["x509Certificate"] {
                let der = try cert.requiredBase64("rawBytes", in: "verifier.x509Certificate")
                let certificate = try Certificate(derEncoded: der)
                key = try SigstoreCrypto.PublicKey(derEncoded: try LocalSigstore.der(certificate.publicKey))
                bodyVerifier = .certificate(der)
            } else if let pk = verifier["publicKey"] {
                key = try SigstoreCrypto.PublicKey(derEncoded: try pk.requiredBase64("rawBytes", in: "verifier.publicKey"))
                bodyVerifier = .publicKey(key)
            } else {
                throw ServiceError.badRequest("verifier needs x509Certificate or publicKey")
            }
        } catch let error as ServiceError {
            throw error
        } catch {
            throw ServiceError.badRequest("the verifier cannot be parsed: \(error)")
        }
        let expected = RekorV2Body.keyDetails(for: key.kind)
        guard keyDetails == expected.name else {
            throw ServiceError.badRequest("keyDetails \(keyDetails) does not match the key: expected \(expected.name)")
        }
        guard key.kind != .ed25519 else {
            throw ServiceError.badRequest("Ed25519 signatures over a prehashed digest (PKIX_ED25519_PH) are not supported by this log")
        }
        guard digestBytes.count == expected.hash.byteCount else {
            throw ServiceError.badRequest("digest must have \(expected.hash.byteCount) bytes for \(keyDetails)")
        }
        let digest = try ArtifactDigest(algorithm: expected.hash, bytes: digestBytes)
        do {
            try key.verifySignature(content, digest: digest)
        } catch {
            throw ServiceError.badRequest("the signature does not verify over the digest with the given key")
        }
        let body = RekorV2Body.canonicalBody(digest: digest, signature: content, verifier: bodyVerifier, keyKind: key.kind)
        var identities: [String] = []
        if case .certificate(let der) = bodyVerifier { identities = Explorer.identityKeys(certificateDER: der) }
        return (body, [expected.hash == .sha256 ? "sha256:" + Hex.encode(digestBytes) : "\(expected.hash.protoName):" + Hex.encode(digestBytes)] + identities)
    }

    // MARK: - Tiles

    /// `tile/<L>/<N>[.p/<W>]` or `tile/entries/<N>[.p/<W>]`, N in C2SP's `x001/x234/067` form.
    func tile(_ path: String) async throws -> Response {
        var parts = path.split(separator: "/").map(String.init)
        guard parts.count >= 2 else { throw ServiceError(.notFound, "no such tile") }
        let kind = parts.removeFirst()
        var width = 256
        if parts.count >= 2, parts[parts.count - 2].hasSuffix(".p") {
            guard let w = Int(parts.removeLast()), (1...255).contains(w) else { throw ServiceError(.notFound, "no such tile") }
            width = w
            parts[parts.count - 1].removeLast(2)
        }
        guard let index = Self.tileIndex(parts) else { throw ServiceError(.notFound, "no such tile") }
        if kind == "entries" {
            let start = index * 256
            let records = try await log.records(in: start..<(start + width))
            guard records.count == width else { throw ServiceError(.notFound, "no such tile") }
            var out: [UInt8] = []
            for r in records { out += [UInt8(r.body.count >> 8 & 0xFF), UInt8(r.body.count & 0xFF)] + r.body }
            return Response.bytes(out, contentType: "application/octet-stream")
        }
        guard let level = Int(kind), level >= 0, level < 8,
              let hashes = try await log.tileHashes(level: level, index: index, width: width)
        else { throw ServiceError(.notFound, "no such tile") }
        return Response.bytes(hashes, contentType: "application/octet-stream")
    }

    /// Decodes `x001/x234/067` (every element three digits, all but the last prefixed `x`).
    static func tileIndex(_ elements: [String]) -> Int? {
        guard !elements.isEmpty else { return nil }
        var value = 0
        for (i, element) in elements.enumerated() {
            var digits = Substring(element)
            if i < elements.count - 1 {
                guard digits.hasPrefix("x") else { return nil }
                digits = digits.dropFirst()
            }
            guard digits.count == 3, let n = Int(digits), digits.allSatisfy(\.isNumber) else { return nil }
            value = value * 1000 + n
        }
        return value
    }
}
