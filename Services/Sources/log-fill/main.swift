// Fills the Rekor v1 log of a stopped sigstore-local data directory with COUNT hashedrekord entries signed by
// IDENTITIES Fulcio-style certificates (user0@example.com …), stored with the search keys the service writes
// (`sha256:`, `email:`), for bench/explorer-search.sh: the explorer's searches over a log of 100,000 entries.
//
//   log-fill DATA_DIR COUNT IDENTITIES
import Foundation
import LocalSigstore
import SigstoreCrypto
import SigstoreIssuing
import SigstoreJSON
import SigstoreVerify
import TransparencyLog
import X509
import SwiftASN1
import Crypto

let arguments = CommandLine.arguments
guard arguments.count == 4, let count = Int(arguments[2]), let identities = Int(arguments[3]), count > 0, identities > 0 else {
    FileHandle.standardError.write(Data("usage: log-fill DATA_DIR COUNT IDENTITIES\n".utf8))
    exit(2)
}
let directory = arguments[1]
let keys = try InstanceKeys.loadOrCreate(directory: directory)
let storage = try SQLiteLogStorage(path: directory + "/log.sqlite")
try await storage.prepare()
let log = keys.rekorLogName
var size = try await storage.leafHashes(log: log).count
let now = Date()
// The explorer shows certificates; whether they chain to the instance's CA does not matter here.
let authority = try IssuingAuthority.root(
    subject: try DistinguishedName { CommonName("log-fill") }, notValidBefore: now.addingTimeInterval(-60), notValidAfter: now.addingTimeInterval(86_400))
let issuer = CodeSigningCertificateIssuer(authority: authority, ctLog: nil)
var certificates: [String] = []
for i in 0..<identities {
    let key = P256.Signing.PrivateKey()
    let leaf = try issuer.issue(
        publicKey: Certificate.PublicKey(key.publicKey), identity: SignerIdentity.email("user\(i)@example.com"), oidcIssuer: "https://issuer.example", at: now)
    certificates.append(Base64.encode(Array(try leaf.serializeAsPEM().pemString.utf8)))
}
let batch = 1000
var written = 0
while written < count {
    var records: [LogRecord] = []
    var hashes: [[UInt8]] = []
    for _ in 0..<min(batch, count - written) {
        let n = size
        let identity = n % identities
        let digest = Hex.encode(Array(SHA256.hash(data: Data("artifact \(n)".utf8))))
        let body = OrderedJSON.object([
            ("apiVersion", .string("0.0.1")), ("kind", .string("hashedrekord")),
            ("spec", .object([
                ("data", .object([("hash", .object([("algorithm", .string("sha256")), ("value", .string(digest))]))])),
                ("signature", .object([
                    ("content", .base64(Array(SHA256.hash(data: Data("signature \(n)".utf8))))),
                    ("publicKey", .object([("content", .string(certificates[identity]))])),
                ])),
            ])),
        ]).serialized()
        records.append(LogRecord(
            index: n, body: body, integratedTime: Int64(now.timeIntervalSince1970),
            searchKeys: ["sha256:" + digest, "email:user\(identity)@example.com"]))
        hashes.append(Merkle.leafHash(body))
        size += 1
    }
    try await storage.append(log: log, records: records, leafHashes: hashes)
    written += records.count
}
try await storage.close()
print("\(log): \(size) entries")
