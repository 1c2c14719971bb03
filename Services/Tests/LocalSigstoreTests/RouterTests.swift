import Crypto
import Foundation
import HummingbirdTesting
@testable import LocalSigstore
import SigstoreCrypto
import SigstoreIssuing
import SigstoreModels
import SigstoreTesting
import SigstoreVerify
import Testing
import X509
import SwiftASN1
import HTTPTypes
import SigstoreJSON

/// Bad input to the logs and the TSA, through their routers in process: each refusal is a JSON 4xx with a message,
/// and nothing is added to any log.
@Suite("Rekor v1, Rekor v2 and TSA routes (in process)")
struct RouterTests {
    /// Expects a 4xx with a JSON object carrying a message.
    static func expectRefused(_ reply: Routed, _ status: Int, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(reply.status == status, "\(what): status \(reply.status) \(reply.text)", sourceLocation: sourceLocation)
        #expect(reply.header("Content-Type")?.hasPrefix("application/json") == true, "\(what): JSON", sourceLocation: sourceLocation)
        #expect(reply.json?["message"]?.string?.isEmpty == false, "\(what): message in \(reply.text)", sourceLocation: sourceLocation)
    }

    @Test("Rekor v1 refuses malformed, oversized, unsupported and wrongly signed entries, and answers a duplicate with 409")
    func rekorV1() async throws {
        let services = try await InProcessServices.make()
        let factory = EntryFactory()
        try await services.test(services.rekorV1.register) { client in
            let v1 = "/api/v1/log/entries"
            Self.expectRefused(try await client.post(v1, json: #"{"apiVersion":"0.0.1","kind":"hashedrekord","spec":"#), 400, "truncated JSON")
            Self.expectRefused(try await client.post(v1, json: "[]"), 400, "JSON array")
            Self.expectRefused(try await client.send(.post, v1, body: Array(repeating: 0x20, count: 2 << 20)), 413, "2 MiB body")
            Self.expectRefused(try await client.post(v1, json: try factory.rekorV1(corruptSignature: true)), 400, "wrong signature")
            Self.expectRefused(try await client.post(v1, json: #"{"apiVersion":"0.0.1","kind":"rekord","spec":{}}"#), 400, "unsupported kind")
            Self.expectRefused(
                try await client.post(v1, json: try factory.rekorV1().replacingOccurrences(of: "\"sha256\"", with: "\"md5\"")), 400, "md5")
            #expect(try await client.get("/api/v1/log").json?["treeSize"]?.int == 0, "nothing was added")
            // A duplicate is a 409 naming the existing entry.
            let entry = try factory.rekorV1()
            #expect(try await client.post(v1, json: entry).status == 201)
            let duplicate = try await client.post(v1, json: entry)
            Self.expectRefused(duplicate, 409, "duplicate")
            #expect(duplicate.header("Location")?.hasPrefix("/api/v1/log/entries/") == true)
            #expect(duplicate.header("x-log-index") == "0")
            Self.expectRefused(try await client.get("/api/v1/log/entries?logIndex=-1"), 400, "negative index")
            Self.expectRefused(try await client.get("/api/v1/log/proof?lastSize=5"), 400, "proof beyond the log")
        }
    }

    @Test("Rekor v2 refuses malformed, oversized, DSSE, mismatched and wrongly signed requests, and answers a duplicate with 409")
    func rekorV2() async throws {
        let services = try await InProcessServices.make()
        let factory = EntryFactory()
        try await services.test(services.rekorV2.register) { client in
            let v2 = "/api/v2/log/entries"
            Self.expectRefused(try await client.post(v2, json: "{"), 400, "malformed JSON")
            Self.expectRefused(try await client.post(v2, json: try factory.rekorV2(corruptSignature: true)), 400, "wrong signature")
            Self.expectRefused(try await client.post(v2, json: try factory.rekorV2(keyDetails: "PKIX_ECDSA_P384_SHA_384")), 400, "wrong keyDetails")
            Self.expectRefused(try await client.post(v2, json: #"{"dsseRequestV002":{}}"#), 400, "DSSE request")
            Self.expectRefused(try await client.send(.post, v2, body: Array(repeating: 0x20, count: 1 << 20)), 413, "1 MiB body")
            #expect(try await client.get("/api/v2/checkpoint").text.split(separator: "\n")[1] == "0", "nothing was added")
            let entry = try factory.rekorV2()
            #expect(try await client.post(v2, json: entry).status == 201)
            let duplicate = try await client.post(v2, json: entry)
            Self.expectRefused(duplicate, 409, "duplicate")
            #expect(duplicate.header("x-log-index") == "0")
            #expect(try await client.get("/api/v2/tile/0/x001").status == 404)
        }
    }

    @Test("the TSA refuses a request of another version, a wrong digest length and a non-object JSON request")
    func timestampRefusals() async throws {
        let services = try await InProcessServices.make()
        try await services.test(services.tsa.register) { client in
            let tsa = "/api/v1/timestamp"
            Self.expectRefused(
                try await client.send(.post, tsa, body: [0x30, 0x03, 0x02, 0x01, 0x02], contentType: "application/timestamp-query"), 400,
                "version 2")
            Self.expectRefused(try await client.post(tsa, json: #"{"artifactHash":"AAEC","hashAlgorithm":"sha256"}"#), 400, "3-byte SHA-256")
            Self.expectRefused(try await client.post(tsa, json: #"{"artifactHash":"AAEC","hashAlgorithm":"md5"}"#), 400, "MD5")
            Self.expectRefused(try await client.post(tsa, json: "[]"), 400, "JSON array")
        }
    }

    @Test("a TSA token over a signature verifies with SigstoreVerify against the trusted root the stack writes", arguments: [false, true])
    func timestampVerifies(json: Bool) async throws {
        let services = try await InProcessServices.make()
        let signature = Array("a signature".utf8)
        let hash = Array(SHA256.hash(data: signature))
        let root = try services.trustedRoot(urls: [.tsa: "http://127.0.0.1:3000"])
        let authority = try #require(try TrustMaterial(trustedRoot: root).timestampAuthorities.first)
        try await services.test(services.tsa.register) { client in
            let reply =
                json
                ? try await client.post("/api/v1/timestamp", json: #"{"artifactHash":"\#(Base64.encode(hash))","hashAlgorithm":"sha256","certificates":true,"nonce":42}"#)
                : try await client.send(
                    .post, "/api/v1/timestamp",
                    body: try TimestampRequest(hashAlgorithm: .sha256, hashedMessage: hash, nonce: 42, certificateRequested: true).derRepresentation,
                    contentType: "application/timestamp-query")
            #expect(reply.status == 200 && reply.header("Content-Type") == "application/timestamp-reply")
            let token = try RFC3161Timestamp(responseDER: reply.body)
            #expect(token.certificates.count == 1)
            let time = try await token.verify(signature: signature, authority: authority)
            #expect(abs(time.timeIntervalSinceNow) < 60)
            let chain = try await client.get("/api/v1/timestamp/certchain")
            #expect(chain.text.components(separatedBy: "-----BEGIN CERTIFICATE-----").count == 3)
        }
    }

    // openssl is the reference RFC 3161 verifier: skipped where it is missing, a failure under CI=true.
    @Test("openssl verifies the TSA's RFC 3161 responses, with and without the certificate", .enabled(if: Requirement.tool("openssl").shouldRun, "needs openssl"))
    func openssl() async throws {
        try Requirement.tool("openssl").check()
        let services = try await InProcessServices.make()
        let tmp = services.directory.path
        try Data(try services.keys.tsaCertificate.serializeAsPEM().pemString.utf8).write(to: URL(fileURLWithPath: tmp + "/tsa.pem"))
        try Data(try services.keys.tsaRoot.serializeAsPEM().pemString.utf8).write(to: URL(fileURLWithPath: tmp + "/root.pem"))
        try Data("timestamp me\n".utf8).write(to: URL(fileURLWithPath: tmp + "/data.txt"))
        try await services.test(services.tsa.register) { client in
            for (name, flags) in [("cert", ["-cert"]), ("nocert", ["-no_nonce"])] {
                _ = try shell(["openssl", "ts", "-query", "-data", tmp + "/data.txt", "-sha256", "-out", tmp + "/\(name).tsq"] + flags)
                let query = Array(try Data(contentsOf: URL(fileURLWithPath: tmp + "/\(name).tsq")))
                let reply = try await client.send(.post, "/api/v1/timestamp", body: query, contentType: "application/timestamp-query")
                #expect(reply.status == 200)
                try Data(reply.body).write(to: URL(fileURLWithPath: tmp + "/\(name).tsr"))
                let untrusted = name == "cert" ? [] : ["-untrusted", tmp + "/tsa.pem"]
                let verify = try shell(
                    ["openssl", "ts", "-verify", "-in", tmp + "/\(name).tsr", "-queryfile", tmp + "/\(name).tsq", "-CAfile", tmp + "/root.pem"]
                        + untrusted)
                #expect(verify.status == 0 && verify.output.contains("Verification: OK"), "\(name): \(verify.output)")
            }
        }
        // Another file's query does not verify against the response.
        try Data("other\n".utf8).write(to: URL(fileURLWithPath: tmp + "/other.txt"))
        let mismatch = try shell(["openssl", "ts", "-verify", "-in", tmp + "/cert.tsr", "-data", tmp + "/other.txt", "-CAfile", tmp + "/root.pem"])
        #expect(mismatch.status != 0)
    }
}
