import Crypto
import Foundation
import SigstoreJSON
import Testing
import SigstoreCore
@testable import SigstoreTUF

@Suite("Building blocks")
struct UnitTests {
    @Test func canonicalJSON() throws {
        let value = try JSONParser.parse(
            Array(#"{"b": [1, true, null], "a": "x\"y\\z\n\u00e9", "A": {}, "é": -5}"#.utf8)
        )
        let canonical = String(decoding: try CanonicalJSON.encode(value), as: UTF8.self)
        #expect(canonical == "{\"A\":{},\"a\":\"x\\\"y\\\\z\n\u{e9}\",\"b\":[1,true,null],\"\u{e9}\":-5}")
        #expect(throws: TUFError.self) { try CanonicalJSON.encode(try JSONParser.parse(Array(#"{"a": 1.5}"#.utf8))) }
        #expect(throws: TUFError.self) {
            try CanonicalJSON.encode(try JSONParser.parse(Array(#"{"a": 1, "a": 2}"#.utf8)))
        }
    }

    @Test(arguments: [
        ("README.md", "*.md", true), ("releases/README.md", "*.md", false), ("releases/x/x_v1", "releases/*/*", true),
        ("releases/x/x_v1", "releases/x/*", true), ("releases/y/y_v1.zip", "releases/y/*.zip", true),
        ("foo-1.tgz", "foo-?.tgz", true), ("foo-alpha.tgz", "foo-?.tgz", false), ("README.MD", "*.md", false),
        ("a/b", "*", false), ("", "*", true), ("abc", "a[bx]c", true), ("abc", "a[!b]c", false), ("a[c", "a[c", true),
        ("a-c", "a[a-z-]c", true), ("aaaaaaaaaaaaaaaaaaaaaaaaaaaaab", "*a*a*a*a*a*a*a*c", false),
        ("registry.npmjs.org/keys.json", "registry.npmjs.org/*", true),
    ])
    func pathPatterns(path: String, pattern: String, matches: Bool) {
        #expect(PathPattern.matches(path, pattern: pattern) == matches, "\(path) ~ \(pattern)")
    }

    @Test func expiryDates() throws {
        let date = try #require(ExpiryDate.parse("2026-08-28T19:25:56Z"))
        #expect(date.timeIntervalSince1970 == 1_787_945_156)
        #expect(ExpiryDate.format(date) == "2026-08-28T19:25:56Z")
        #expect(ExpiryDate.format(Date(timeIntervalSince1970: 951_782_400)) == "2000-02-29T00:00:00Z")
        for bad in [
            "2021-12-18T13:28:12.99008-06:00", "2022-05-11T19:09:02.663975009Z", "2026-02-30T00:00:00Z",
            "2026-08-28 19:25:56Z",
            "2026-13-01T00:00:00Z", "26-08-28T19:25:56Z", "",
        ] {
            #expect(ExpiryDate.parse(bad) == nil, "\(bad)")
        }
    }

    @Test func quoting() {
        #expect(TextEncoding.quote("?") == "%3F")
        #expect(TextEncoding.quote("#") == "%23")
        #expect(TextEncoding.quote("/delegatedrole") == "%2Fdelegatedrole")
        #expect(TextEncoding.quote("../delegatedrole") == "..%2Fdelegatedrole")
        #expect(TextEncoding.quote("registry.npmjs.org") == "registry.npmjs.org")
        #expect(TextEncoding.quote("é x") == "%C3%A9%20x")
        #expect(TextEncoding.quotePath("a b/c?d#e%f") == "a%20b/c%3Fd%23e%25f")
    }

    @Test(arguments: [
        ("1.0", true), ("1.0.31", true), ("1.2.3", true), ("2.0", false), ("1", false), ("1.x", false),
        ("1.0.0.0", false), ("v1.0", false),
    ])
    func specVersion(_ version: String, accepted: Bool) throws {
        let signed = try JSONParser.parse(
            Array(
                #"{"_type": "timestamp", "spec_version": "\#(version)", "version": 1, "expires": "2030-01-01T00:00:00Z"}"#
                    .utf8
            )
        )
        let parse = { try SignedHeader(JSONObject(signed, context: "timestamp.json"), expectedType: "timestamp") }
        if accepted {
            #expect(try parse().specVersion == version)
        } else {
            #expect(throws: TUFError(.invalidMetadata, "")) { try parse() }
        }
    }

    @Test func wrongTypeIsRefused() throws {
        let signed = try JSONParser.parse(
            Array(
                #"{"_type": "snapshot", "spec_version": "1.0", "version": 1, "expires": "2030-01-01T00:00:00Z"}"#.utf8
            )
        )
        let error = #expect(throws: TUFError.self) {
            try SignedHeader(JSONObject(signed, context: "timestamp.json"), expectedType: "timestamp")
        }
        #expect(error?.message == "timestamp.json: expected _type \"timestamp\", got \"snapshot\"")
    }

    @Test func thresholdCountsEachKeyOnce() throws {
        let key = P256.Signing.PrivateKey()
        let signing = RepositoryKey(key)
        let signed = #"{"_type":"timestamp"}"#
        let signature = TextEncoding.hex(try key.signature(for: Array(signed.utf8)).derRepresentation)
        let pem = key.publicKey.pemRepresentation.replacingOccurrences(of: "\n", with: "\\n")
        // The same key under two keyids, both in the role, threshold 2: one signer only.
        let keys = try JSONParser.parse(
            Array(
                #"""
                {"k1": {"keytype": "ecdsa", "scheme": "ecdsa-sha2-nistp256", "keyval": {"public": "\#(pem)"}},
                 "k2": {"keytype": "ecdsa-sha2-nistp256", "scheme": "ecdsa-sha2-nistp256", "keyval": {"public": "\#(pem)"}}}
                """#.utf8
            )
        )
        var ring: [String: PublicKey] = [:]
        for (id, value) in try JSONObject(keys, context: "keys").members {
            ring[id] = try PublicKey(json: JSONObject(value, context: id))
        }
        let envelope = try Envelope(
            raw: Array(
                #"{"signed": \#(signed), "signatures": [{"keyid": "k1", "sig": "\#(signature)"}, {"keyid": "k2", "sig": "\#(signature)"}, {"keyid": "k3", "sig": ""}]}"#
                    .utf8
            ),
            name: "timestamp.json"
        )
        let set = SignerSet(keys: ring, role: RoleKeyIDs(keyIDs: ["k1", "k2"], threshold: 2))
        #expect(set.validSignatureCount(envelope) == 1)
        let error = #expect(throws: TUFError.self) { try set.verify(envelope, what: "timestamp.json version 1") }
        #expect(error?.message == "timestamp.json version 1: signed by 1 of 2 required keys")
        #expect(
            SignerSet(keys: ring, role: RoleKeyIDs(keyIDs: ["k1"], threshold: 1)).validSignatureCount(envelope) == 1
        )
        #expect(signing.keyID.count == 64)
    }

    @Test func repeatedSignatureKeyIDIsRefused() {
        let raw = Array(
            #"{"signed": {}, "signatures": [{"keyid": "a", "sig": "00"}, {"keyid": "a", "sig": "00"}]}"#.utf8
        )
        #expect(throws: TUFError(.invalidMetadata, "")) { try Envelope(raw: raw, name: "snapshot.json") }
    }

    @Test func hashChecks() {
        let bytes = Array("content".utf8)
        let sha256 = Files.sha256(bytes)
        #expect(throws: Never.self) { try Digests.verify(bytes, length: 7, hashes: [("sha256", sha256)], what: "x") }
        #expect(throws: TUFError(.lengthOrHashMismatch, "")) {
            try Digests.verify(bytes, length: 8, hashes: [], what: "x")
        }
        #expect(throws: TUFError(.lengthOrHashMismatch, "")) {
            try Digests.verify(bytes, length: nil, hashes: [("unknown-hash", sha256)], what: "x")
        }
        let error = #expect(throws: TUFError.self) {
            try Digests.verify(
                bytes,
                length: nil,
                hashes: [("sha256", String(repeating: "0", count: 64))],
                what: "trusted_root.json"
            )
        }
        #expect(
            error?.message
                == "trusted_root.json: sha256 mismatch: expected \(String(repeating: "0", count: 64)), got \(sha256)"
        )
    }

    @Test func errorsCompareByCode() {
        #expect(TUFError(.expiredMetadata, "a") == TUFError(.expiredMetadata, "b"))
        #expect(TUFError(.expiredMetadata, "a") != TUFError(.rollback, "a"))
        #expect("\(TUFErrorCode.notFound)" == "notFound")
    }
}
