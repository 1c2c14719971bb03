import Crypto
import Foundation
import SigstoreCrypto
import SigstoreModels
import SigstoreVerify
import SigstoreJSON

/// Signed log entries for tests and benchmarks: one P-256 key, a fresh random digest per entry.
struct EntryFactory: Sendable {
    let key = SigningKey.generateP256()

    func digest() -> [UInt8] { (0..<32).map { _ in UInt8.random(in: 0...255) } }

    /// A Rekor v1 hashedrekord 0.0.1 proposed entry.
    func rekorV1(digest: [UInt8]? = nil, corruptSignature: Bool = false) throws -> String {
        let d = digest ?? self.digest()
        var signature = try key.signature(forDigest: try ArtifactDigest(algorithm: .sha256, bytes: d))
        if corruptSignature { signature[signature.count - 3] ^= 0x55 }
        let pem = Base64.encode(Array(key.publicKey.pemRepresentation.utf8))
        return #"{"apiVersion":"0.0.1","kind":"hashedrekord","spec":{"signature":{"content":"\#(Base64.encode(signature))","publicKey":{"content":"\#(pem)"}},"data":{"hash":{"algorithm":"sha256","value":"\#(Hex.encode(d))"}}}}"#
    }

    /// A Rekor v2 hashedRekordRequestV002.
    func rekorV2(digest: [UInt8]? = nil, keyDetails: String = "PKIX_ECDSA_P256_SHA_256", corruptSignature: Bool = false) throws -> String {
        let d = digest ?? self.digest()
        var signature = try key.signature(forDigest: try ArtifactDigest(algorithm: .sha256, bytes: d))
        if corruptSignature { signature[signature.count - 3] ^= 0x55 }
        return #"{"hashedRekordRequestV002":{"digest":"\#(Base64.encode(d))","signature":{"content":"\#(Base64.encode(signature))","verifier":{"publicKey":{"rawBytes":"\#(Base64.encode(key.publicKey.derRepresentation))"},"keyDetails":"\#(keyDetails)"}}}}"#
    }
}

/// RFC 6962 MTH written the plain recursive way, to check the service's tree independently of its implementation.
func naiveRoot(_ leaves: ArraySlice<[UInt8]>) -> [UInt8] {
    if leaves.isEmpty { return Array(SHA256.hash(data: [UInt8]())) }
    if leaves.count == 1 { return Merkle.leafHash(leaves.first!) }
    var k = 1
    while k * 2 < leaves.count { k *= 2 }
    let split = leaves.startIndex + k
    return Merkle.nodeHash(naiveRoot(leaves[leaves.startIndex..<split]), naiveRoot(leaves[split...]))
}

/// The trusted root a stack wrote.
func trustedRoot(_ stack: StackProcess) throws -> TrustedRoot {
    try TrustedRoot(jsonData: Array(try Data(contentsOf: URL(fileURLWithPath: stack.dataDirectory + "/trusted_root.json"))))
}

/// A signed checkpoint's size and root, after its signature verifies with the log's key from the trusted root.
func verifiedCheckpoint(_ note: String, stack: StackProcess, v2: Bool) throws -> (size: Int, root: [UInt8]) {
    let root = try trustedRoot(stack)
    let log = root.tlogs.first { $0.baseURL == stack[v2 ? "rekor-v2" : "rekor"] }!
    let key = try PublicKey(derEncoded: log.publicKey.rawBytes)
    let signed = try SignedNote(note)
    let hint = Array((v2 ? SignedNote.keyID(name: "127.0.0.1", key: key) : log.logID).prefix(4))
    guard signed.isSigned(by: key, keyHint: hint, name: "127.0.0.1") else { throw HarnessError("checkpoint signature does not verify") }
    let checkpoint = try Checkpoint(text: signed.text)
    return (Int(checkpoint.size), checkpoint.rootHash)
}
