import Crypto
import Foundation
import NIOHTTP1
import SigstoreCrypto
import SigstoreModels
import SigstoreVerify
import Testing
@testable import LocalSigstore
import SigstoreJSON
import HummingbirdTesting

/// Rekor v1's read API and entry kinds, checked with the project's verifier code (SET, body parser, proofs), in
/// process through the service's router.
@Suite("Rekor v1 API (in process)")
struct RekorV1APITests {
    @Test("intoto 0.0.2 and dsse 0.0.1 entries; get by UUID, entry ID and index; retrieve; search; SETs verify")
    func api() async throws {
        let services = try await InProcessServices.make()
        let root = try services.trustedRoot(urls: [.rekor: "http://127.0.0.1:3000"])
        try await services.test(services.rekorV1.register) { client in try await Self.api(client, root: root) }
    }

    static func api(_ client: any TestClientProtocol, root: TrustedRoot) async throws {
        let rekor = ""
        let key = SigningKey.generateP256()
        let pem = Array(key.publicKey.pemRepresentation.utf8) + [0x0A]
        let statement = Array(#"{"_type":"https://in-toto.io/Statement/v0.1","subject":[{"name":"a","digest":{"sha256":"00"}}],"predicateType":"x","predicate":{}}"#.utf8)
        let pae = DSSEEnvelope.preAuthenticationEncoding(payloadType: "application/vnd.in-toto+json", payload: statement)
        let sig = try key.signature(forMessage: pae)
        let envelope = #"{"payloadType":"application/vnd.in-toto+json","payload":"\#(Base64.encode(statement))","signatures":[{"keyid":"","sig":"\#(Base64.encode(sig))"}]}"#

        // intoto 0.0.2: payload, sig and publicKey base64-encoded once more.
        let intoto = #"{"apiVersion":"0.0.2","kind":"intoto","spec":{"content":{"envelope":{"payloadType":"application/vnd.in-toto+json","payload":"\#(Base64.encode(Array(Base64.encode(statement).utf8)))","signatures":[{"sig":"\#(Base64.encode(Array(Base64.encode(sig).utf8)))","publicKey":"\#(Base64.encode(pem))"}]},"hash":{"algorithm":"sha256","value":"\#(Hex.encode(SHA256.hash(data: Array(envelope.utf8))))"}}}}"#
        let created = try await client.post(rekor + "/api/v1/log/entries", json: intoto)
        #expect(created.status == 201, "\(created.text)")
        // dsse 0.0.1, with the nulls sigstore-python sends.
        let dsse = #"{"apiVersion":"0.0.1","kind":"dsse","spec":{"proposedContent":{"envelope":\#(OrderedJSON.string(envelope).serialized().string),"verifiers":["\#(Base64.encode(pem))"]},"signatures":null,"envelopeHash":null,"payloadHash":null}}"#
        let created2 = try await client.post(rekor + "/api/v1/log/entries", json: dsse)
        #expect(created2.status == 201, "\(created2.text)")

        let log = try #require(root.tlogs.first)
        let logKey = try PublicKey(derEncoded: log.publicKey.rawBytes)
        for (reply, kind) in [(created, "intoto"), (created2, "dsse")] {
            let json = try #require(reply.json)
            guard case .object(let members) = json, let (entryID, entry) = members.first else { Issue.record("no entry"); continue }
            #expect(entryID.count == 80 && reply.header("ETag") == entryID)
            let body = try #require(Base64.decode(entry["body"]!.string!))
            let parsed = try RekorV1Body(canonicalizedBody: body)
            #expect(parsed.kind == kind)
            #expect(parsed.payloadSHA256 == Array(SHA256.hash(data: statement)))
            #expect(parsed.signature == sig)
            // The SET verifies over the canonical payload with the log key.
            let set = SignedEntryTimestampPayload.bytes(
                body: body, integratedTime: Int64(entry["integratedTime"]!.int!), logID: log.logID, logIndex: Int64(entry["logIndex"]!.int!))
            try logKey.verifySignature(Base64.decode(entry["verification"]!["signedEntryTimestamp"]!.string!)!, message: set)
            #expect(entry["logID"]?.string == Hex.encode(log.logID))
            // Get by entry ID and by UUID.
            for id in [entryID, String(entryID.suffix(64))] {
                let got = try await client.get(rekor + "/api/v1/log/entries/" + id)
                #expect(got.status == 200 && got.json?.firstValue?["body"]?.string == entry["body"]?.string)
            }
        }
        #expect(try await client.get(rekor + "/api/v1/log/entries/" + String(repeating: "ab", count: 32)).status == 404)
        #expect(try await client.get(rekor + "/api/v1/log/entries?logIndex=9").status == 404)

        let byIndex = try await client.post(rekor + "/api/v1/log/entries/retrieve/", json: #"{"logIndexes":[0,1,5]}"#)
        #expect(byIndex.status == 200 && byIndex.json?.array.count == 2)
        let byEntry = try await client.post(rekor + "/api/v1/log/entries/retrieve", json: #"{"entries":[\#(intoto)]}"#)
        #expect(byEntry.json?.array.count == 1)
        let search = try await client.post(
            rekor + "/api/v1/index/retrieve", json: #"{"hash":"sha256:\#(Hex.encode(SHA256.hash(data: statement)))"}"#)
        #expect(search.json?.array.count == 2, "both entries are found by payload hash: \(search.text)")
        let publicKey = try await client.get(rekor + "/api/v1/log/publicKey")
        #expect(try PublicKey(pemEncoded: publicKey.text).derRepresentation == log.publicKey.rawBytes)

        // A wrong signature in an intoto entry is refused.
        let bad = intoto.replacingOccurrences(of: Base64.encode(Array(Base64.encode(sig).utf8)), with: Base64.encode(Array(Base64.encode(sig.reversed()).utf8)))
        #expect(try await client.post(rekor + "/api/v1/log/entries", json: bad).status == 400)
    }
}

extension Array where Element == UInt8 {
    var string: String { String(decoding: self, as: UTF8.self) }
}
