import Foundation
import SigstoreCore
import SigstoreJSON
import SigstoreCrypto
import SigstoreModels
import SigstoreTesting
import SigstoreVerify
import Testing

/// SigstoreVerifier+LogEntryBody: what the log recorded must be what the bundle carries.
@Suite("Log entry bodies")
struct LogEntryBodyTests {
    @Test(
        "a logged signature or digest that differs from the bundle is refused",
        arguments: [
            FaultCase(fault: .logEntrySignatureMismatch, check: .transparencyLog),
            FaultCase(fault: .logEntrySignatureMismatch, check: .transparencyLog, dsse: true),
            FaultCase(fault: .logEntryDigestMismatch, check: .transparencyLog),
            FaultCase(fault: .logEntryDigestMismatch, check: .transparencyLog, dsse: true),
        ])
    func refused(_ fault: FaultCase) async throws {
        try await fault.expectRefused()
    }

    @Test("an entry whose kind does not match its body is refused")
    func kindMismatch() async throws {
        let bundle = try editedBundle { object in
            var material = try #require(object["verificationMaterial"] as? [String: Any])
            var entries = try #require(material["tlogEntries"] as? [[String: Any]])
            entries[0]["kindVersion"] = ["kind": "dsse", "version": "0.0.1"]
            material["tlogEntries"] = entries
            object["verificationMaterial"] = material
        }
        #expect(try await refusingCheck(bundle) == .transparencyLog)
    }

    @Test("a Rekor v2 body that is not the entry rebuilt from the bundle is refused")
    func rekorV2BodyRebuilt() async throws {
        let options = VirtualSigstore.Options(time: signingTime, log: .rekorV2, timestamp: true)
        let bundle = try bundleEditingFirstEntryBody(options) { body in
            Array(String(decoding: body, as: UTF8.self).replacingOccurrences(of: "SHA2_256", with: "SHA2_384").utf8)
        }
        #expect(try await refusingCheck(bundle, configuration: cosignConfiguration(signedTimestamps: true)) == .transparencyLog)
    }

    @Test(
        "a Rekor v2 entry recording another certificate or signature says so, not that its proof fails",
        arguments: [("verifier", "records a different certificate"), ("content", "records a different signature")])
    func rekorV2Diagnostics(field: String, message: String) async throws {
        let options = VirtualSigstore.Options(time: signingTime, log: .rekorV2, timestamp: true)
        let bundle = try bundleEditingFirstEntryBody(options) { body in
            var json = try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
            var spec = try #require(json["spec"] as? [String: Any])
            var record = try #require(spec["hashedRekordV002"] as? [String: Any])
            var signature = try #require(record["signature"] as? [String: Any])
            if field == "verifier" {
                signature["verifier"] = ["x509Certificate": ["rawBytes": Base64.encode(Array("another certificate".utf8))], "keyDetails": "PKIX_ECDSA_P256_SHA_256"]
            } else {
                signature["content"] = Base64.encode([UInt8](repeating: 7, count: 70))
            }
            record["signature"] = signature
            spec["hashedRekordV002"] = record
            json["spec"] = spec
            return Array(try JSONSerialization.data(withJSONObject: json))
        }
        do {
            _ = try await verifier(cosignConfiguration(signedTimestamps: true)).verify(
                bundle, policy: VerificationPolicy(artifact: .data(Data(artifact)), identities: identity))
            Issue.record("verified")
        } catch let error as VerificationError {
            #expect(error.check == .transparencyLog)
            #expect(error.message.contains(message), "\(error.message)")
        }
    }

    /// A bundle from `options` whose first log entry's canonicalized body is replaced by `edit(body)`.
    func bundleEditingFirstEntryBody(_ options: VirtualSigstore.Options, _ edit: @escaping ([UInt8]) throws -> [UInt8]) throws -> SigstoreBundle {
        try editedBundle(options) { object in
            var material = try #require(object["verificationMaterial"] as? [String: Any])
            var entries = try #require(material["tlogEntries"] as? [[String: Any]])
            let encoded = try #require(entries[0]["canonicalizedBody"] as? String)
            entries[0]["canonicalizedBody"] = Base64.encode(try edit(try #require(Base64.decode(encoded))))
            material["tlogEntries"] = entries
            object["verificationMaterial"] = material
        }
    }
}

/// RekorV1Body: the fields each v1 kind records, and one-line errors for bodies that are not what their kind says.
@Suite("Rekor v1 entry bodies")
struct RekorV1BodyTests {
    static let pem = Base64.encode(Array("-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----\n".utf8))
    static let signature = Base64.encode([UInt8](repeating: 0x30, count: 8))
    static let hash = String(repeating: "ab", count: 32)

    static func body(_ text: String) throws -> RekorV1Body { try RekorV1Body(canonicalizedBody: Array(text.utf8)) }

    static func refusal(_ text: String) -> String? {
        do {
            _ = try body(text)
            return nil
        } catch let error as VerificationError {
            return error.check == .transparencyLog ? error.message : "check \(error.check)"
        } catch {
            return "\(error)"
        }
    }

    static let hashedRekord =
        #"{"apiVersion":"0.0.1","kind":"hashedrekord","spec":{"data":{"hash":{"algorithm":"sha256","value":"\#(hash)"}},"signature":{"content":"\#(signature)","publicKey":{"content":"\#(pem)"}}}}"#

    @Test("hashedrekord, dsse and intoto bodies give the logged signature, key and digest")
    func kinds() throws {
        let logged = try Self.body(Self.hashedRekord)
        #expect(logged.kind == "hashedrekord" && logged.apiVersion == "0.0.1")
        #expect(logged.signature == [UInt8](repeating: 0x30, count: 8))
        #expect(logged.verifierPEM.hasPrefix("-----BEGIN PUBLIC KEY-----"))
        #expect(logged.digest == (try ArtifactDigest(algorithm: .sha256, bytes: Hex.decode(Self.hash)!)))

        let dsse = try Self.body(
            #"{"apiVersion":"0.0.1","kind":"dsse","spec":{"envelopeHash":{"algorithm":"sha256","value":"00"},"payloadHash":{"algorithm":"sha256","value":"\#(Self.hash)"},"signatures":[{"signature":"\#(Self.signature)","verifier":"\#(Self.pem)"}]}}"#)
        #expect(dsse.payloadSHA256 == Hex.decode(Self.hash) && dsse.signature.count == 8)

        let intoto = try Self.body(
            #"{"apiVersion":"0.0.2","kind":"intoto","spec":{"content":{"envelope":{"payloadType":"x","signatures":[{"sig":"\#(Base64.encode(Array(Self.signature.utf8)))","publicKey":"\#(Self.pem)"}]},"payloadHash":{"algorithm":"sha256","value":"\#(Self.hash)"}}}}"#)
        #expect(intoto.payloadSHA256 == Hex.decode(Self.hash) && intoto.signature.count == 8)
    }

    @Test("bodies that are not entries, or not the entries their kind says, are refused with one line naming what is wrong")
    func refusals() {
        let cases: [(String, String)] = [
            ("not json", "transparency log entry body is not a Rekor entry"),
            (#"{"kind":"hashedrekord"}"#, "transparency log entry body is not a Rekor entry"),
            (#"{"apiVersion":1,"kind":"hashedrekord","spec":{}}"#, "transparency log entry body is not a Rekor entry"),
            (#"{"apiVersion":"0.0.1","kind":"hashedrekord","kind":"dsse","spec":{}}"#, "transparency log entry body is not a Rekor entry"),
            (#"{"apiVersion":"0.0.1","kind":"hashedrekord","spec":{"data":{}}}"#, "malformed hashedrekord 0.0.1 entry body"),
            (Self.hashedRekord.replacingOccurrences(of: #""content":"\#(Self.signature)""#, with: #""content":7"#), "malformed hashedrekord 0.0.1 entry body"),
            (Self.hashedRekord.replacingOccurrences(of: Self.signature, with: "!!"), "malformed hashedrekord entry: invalid signature"),
            (Self.hashedRekord.replacingOccurrences(of: Self.hash, with: Self.hash.uppercased()), "malformed hashedrekord entry: invalid data.hash"),
            (Self.hashedRekord.replacingOccurrences(of: Self.pem, with: ""), "malformed hashedrekord entry: invalid public key"),
            (#"{"apiVersion":"0.0.1","kind":"dsse","spec":{"payloadHash":{"algorithm":"sha256","value":"\#(Self.hash)"},"signatures":[]}}"#,
             "malformed dsse entry: invalid signatures"),
            (#"{"apiVersion":"0.0.1","kind":"dsse","spec":{"payloadHash":{"algorithm":"sha256","value":"\#(Self.hash)"},"signatures":[{"signature":"\#(Self.signature)"}]}}"#,
             "malformed dsse 0.0.1 entry body"),
            (#"{"apiVersion":"0.0.1","kind":"rekord","spec":{}}"#, "unsupported transparency log entry kind rekord 0.0.1"),
        ]
        for (text, message) in cases {
            #expect(Self.refusal(text) == message, "\(text)")
        }
    }
}
