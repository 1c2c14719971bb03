import Crypto
import NIOHTTP1
import Foundation
import JWTKit
import SigstoreCrypto
import SigstoreModels
import Testing
import SigstoreJSON

/// Malformed or oversized bodies, wrong signatures, untrusted or expired tokens, a proof over the wrong claim: each
/// gets a 4xx JSON error and adds nothing to any log.
@Suite("Bad input is refused with a JSON 4xx and adds nothing", .serialized)
struct BadInputTests {
    static func sizes(_ stack: StackProcess) async throws -> (Int, Int) {
        let v1 = try await HTTP.get(stack["rekor"] + "/api/v1/log").json?["treeSize"]?.int ?? -1
        let note = try await HTTP.get(stack["rekor-v2"] + "/api/v2/checkpoint").text
        return (v1, Int(note.split(separator: "\n")[1]) ?? -1)
    }

    /// Expects a 4xx with a JSON object carrying a message.
    static func expectRefused(_ reply: HTTP.Reply, _ status: Int, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(reply.status == status, "\(what): status \(reply.status) \(reply.text)", sourceLocation: sourceLocation)
        #expect(reply.headers.first(name: "Content-Type")?.hasPrefix("application/json") == true, "\(what): JSON", sourceLocation: sourceLocation)
        let message = reply.json?["message"]?.string ?? reply.json?["error_description"]?.string
        #expect(message?.isEmpty == false, "\(what): message in \(reply.text)", sourceLocation: sourceLocation)
    }

    @Test("Rekor v1 and v2, Fulcio, TSA")
    func refusals() async throws {
        let tmp = try TemporaryDirectory()
        let stack = try StackProcess(dataDirectory: tmp.path + "/data")
        defer { stack.stop() }
        let factory = EntryFactory()
        let before = try await Self.sizes(stack)
        let v1 = stack["rekor"] + "/api/v1/log/entries"
        let v2 = stack["rekor-v2"] + "/api/v2/log/entries"

        Self.expectRefused(try await HTTP.post(v1, json: #"{"apiVersion":"0.0.1","kind":"hashedrekord","spec":"#), 400, "v1 truncated JSON")
        Self.expectRefused(try await HTTP.post(v1, json: "[]"), 400, "v1 JSON array")
        Self.expectRefused(
            try await HTTP.request(.POST, v1, body: Array(repeating: 0x20, count: 2 << 20)), 413, "v1 2 MiB body")
        Self.expectRefused(try await HTTP.post(v1, json: try factory.rekorV1(corruptSignature: true)), 400, "v1 wrong signature")
        Self.expectRefused(
            try await HTTP.post(v1, json: #"{"apiVersion":"0.0.1","kind":"rekord","spec":{}}"#), 400, "v1 unsupported kind")
        Self.expectRefused(
            try await HTTP.post(v1, json: try factory.rekorV1().replacingOccurrences(of: "\"sha256\"", with: "\"md5\"")), 400, "v1 md5")
        Self.expectRefused(try await HTTP.post(v2, json: "{"), 400, "v2 malformed JSON")
        Self.expectRefused(try await HTTP.post(v2, json: try factory.rekorV2(corruptSignature: true)), 400, "v2 wrong signature")
        Self.expectRefused(
            try await HTTP.post(v2, json: try factory.rekorV2(keyDetails: "PKIX_ECDSA_P384_SHA_384")), 400, "v2 wrong keyDetails")
        Self.expectRefused(try await HTTP.post(v2, json: #"{"dsseRequestV002":{}}"#), 400, "v2 DSSE request")
        Self.expectRefused(
            try await HTTP.request(.POST, v2, body: Array(repeating: 0x20, count: 1 << 20)), 413, "v2 1 MiB body")
        let after = try await Self.sizes(stack)
        #expect(after == before, "nothing was added: \(before) → \(after)")

        // A duplicate is a 409 naming the existing entry.
        let entry = try factory.rekorV1()
        #expect(try await HTTP.post(v1, json: entry).status == 201)
        let duplicate = try await HTTP.post(v1, json: entry)
        Self.expectRefused(duplicate, 409, "v1 duplicate")
        #expect(duplicate.headers.first(name: "Location")?.hasPrefix("/api/v1/log/entries/") == true)
        let entry2 = try factory.rekorV2()
        #expect(try await HTTP.post(v2, json: entry2).status == 201)
        let duplicate2 = try await HTTP.post(v2, json: entry2)
        Self.expectRefused(duplicate2, 409, "v2 duplicate")
        #expect(duplicate2.headers.first(name: "x-log-index") == "\(before.1)")

        // Fulcio.
        let fulcio = stack["fulcio"] + "/api/v2/signingCert"
        let key = P256.Signing.PrivateKey()
        func keyRequest(token: String, proof: String) throws -> String {
            let signature = try key.signature(for: SHA256.hash(data: Array(proof.utf8))).derRepresentation
            return #"{"credentials":{"oidcIdentityToken":"\#(token)"},"publicKeyRequest":{"publicKey":{"algorithm":"ECDSA","content":"\#(key.publicKey.pemRepresentation.replacingOccurrences(of: "\n", with: "\\n"))"},"proofOfPossession":"\#(Base64.encode(Array(signature)))"}}"#
        }
        let good = try run(Paths.binary, ["token", "--data-dir", stack.dataDirectory, "--email", "alice@example.com"]).output
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let ok = try await HTTP.post(fulcio, json: try keyRequest(token: good, proof: "alice@example.com"))
        #expect(ok.status == 200, "a good request is answered: \(ok.text)")
        #expect(ok.json?["signedCertificateEmbeddedSct"]?["chain"]?["certificates"]?.array.count == 3)
        Self.expectRefused(
            try await HTTP.post(fulcio, json: try keyRequest(token: good, proof: "mallory@example.com")), 400,
            "proof of possession over another identity")
        let expired = try run(Paths.binary, ["token", "--data-dir", stack.dataDirectory, "--email", "alice@example.com", "--expires-in=-60"])
            .output.trimmingCharacters(in: .whitespacesAndNewlines)
        Self.expectRefused(try await HTTP.post(fulcio, json: try keyRequest(token: expired, proof: "alice@example.com")), 401, "expired token")
        // A token signed by another key for an issuer Fulcio does not know.
        let rogue = JWTKeyCollection()
        await rogue.add(ecdsa: try ES256PrivateKey(backing: P256.Signing.PrivateKey()), kid: "rogue")
        let foreign = try await rogue.sign(RogueClaims(iss: "https://accounts.example.com", sub: "alice", aud: ["sigstore"], exp: .init(value: Date().addingTimeInterval(300)), email: "alice@example.com", email_verified: true), kid: "rogue")
        Self.expectRefused(try await HTTP.post(fulcio, json: try keyRequest(token: foreign, proof: "alice@example.com")), 401, "unknown issuer")
        // The dev issuer's URL with a key it never had.
        let forged = try await rogue.sign(RogueClaims(iss: stack["oidc"], sub: "alice", aud: ["sigstore"], exp: .init(value: Date().addingTimeInterval(300)), email: "alice@example.com", email_verified: true), kid: "rogue")
        Self.expectRefused(try await HTTP.post(fulcio, json: try keyRequest(token: forged, proof: "alice@example.com")), 401, "forged signature")
        Self.expectRefused(try await HTTP.post(fulcio, json: #"{"certificateSigningRequest":"not base64!"}"#), 401, "no token")
        Self.expectRefused(
            try await HTTP.request(.POST, fulcio, body: Array(#"{"certificateSigningRequest":"bm90IGEgQ1NS"}"#.utf8), headers: [("Authorization", "Bearer " + good)]),
            400, "a CSR that is not PKCS#10")
        Self.expectRefused(try await HTTP.post(fulcio, json: "{{"), 400, "Fulcio malformed JSON")
        // A CSR (made by openssl) is accepted; the same CSR with its signature altered is refused.
        let keyPath = stack.dataDirectory + "/../csr.key"
        try run("/usr/bin/openssl", ["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", keyPath])
        try run("/usr/bin/openssl", ["req", "-new", "-key", keyPath, "-subj", "/", "-outform", "DER", "-out", keyPath + ".csr"])
        var csr = Array(try Data(contentsOf: URL(fileURLWithPath: keyPath + ".csr")))
        let accepted = try await HTTP.request(
            .POST, fulcio, body: Array(#"{"certificateSigningRequest":"\#(Base64.encode(csr))"}"#.utf8), headers: [("Authorization", "Bearer " + good)])
        #expect(accepted.status == 200, "a CSR is accepted: \(accepted.text)")
        csr[csr.count - 5] ^= 0x01  // inside the ECDSA signature's s
        Self.expectRefused(
            try await HTTP.request(
                .POST, fulcio, body: Array(#"{"certificateSigningRequest":"\#(Base64.encode(csr))"}"#.utf8), headers: [("Authorization", "Bearer " + good)]),
            400, "a CSR whose signature does not verify")

        // TSA.
        Self.expectRefused(
            try await HTTP.request(.POST, stack["tsa"] + "/api/v1/timestamp", body: [0x30, 0x03, 0x02, 0x01, 0x02], contentType: "application/timestamp-query"),
            400, "TSA request with version 2")
    }
}

struct RogueClaims: JWTPayload {
    var iss: String
    var sub: String
    var aud: [String]
    var exp: ExpirationClaim
    var email: String
    var email_verified: Bool
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
