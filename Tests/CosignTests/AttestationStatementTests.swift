import Cosign
import SigstoreCrypto
import Foundation
import SigstoreModels
import SigstoreTesting
import Testing
import SigstoreJSON
import SigstoreCore


@Suite("in-toto statements for attestations (cosign GenerateStatement)")
struct AttestationStatementTests {
    let digest = String(repeating: "ab", count: 32)
    let time = Date(timeIntervalSince1970: 1_700_000_000)

    func statement(_ predicate: String, type: String, name: String = "registry.local/app") throws -> [String: Any] {
        let bytes = try AttestationStatement.generate(
            predicate: Array(predicate.utf8), type: type, subjectName: name, sha256: digest, time: time)
        return try JSONSerialization.jsonObject(with: Data(bytes)) as! [String: Any]
    }

    @Test("custom: the file as Data with an RFC 3339 timestamp")
    func custom() throws {
        let bytes = try AttestationStatement.generate(
            predicate: Array("hello <world>\n".utf8), type: "custom", subjectName: "app", sha256: digest, time: time)
        #expect(
            String(decoding: bytes, as: UTF8.self)
                == #"{"_type":"https://in-toto.io/Statement/v0.1","subject":[{"name":"app","digest":{"sha256":"\#(digest)"}}],"predicateType":"https://cosign.sigstore.dev/attestation/v1","predicate":{"Data":"hello <world>\n","Timestamp":"2023-11-14T22:13:20Z"}}"#
        )
    }

    @Test("JSON object predicates are embedded as written", arguments: ["spdxjson", "cyclonedx", "openvex", "https://example.com/p/v1"])
    func embedded(type: String) throws {
        let predicate = #"{"z":1.50,"a":{"big":12345678901234567890}}"#
        let bytes = try AttestationStatement.generate(
            predicate: Array((predicate + "\n").utf8), type: type, subjectName: "app", sha256: digest, time: time)
        #expect(String(decoding: bytes, as: UTF8.self).hasSuffix(#""predicate":\#(predicate)}"#))
        let parsed = try JSONSerialization.jsonObject(with: Data(bytes)) as! [String: Any]
        #expect(parsed["predicateType"] as? String == PredicateType.uri(for: type))
        #expect(throws: CosignError.self) {
            try AttestationStatement.generate(predicate: Array("[1]".utf8), type: type, subjectName: "", sha256: digest, time: time)
        }
        #expect(throws: CosignError.self) {
            try AttestationStatement.generate(predicate: Array("{\"a\":".utf8), type: type, subjectName: "", sha256: digest, time: time)
        }
    }

    @Test("spdx: the document as a string, statement in Go's key order")
    func spdxText() throws {
        let bytes = try AttestationStatement.generate(
            predicate: Array("SPDXVersion: SPDX-2.2\n<x>".utf8), type: "spdx", subjectName: "app", sha256: digest, time: time)
        #expect(
            String(decoding: bytes, as: UTF8.self)
                == #"{"_type":"https://in-toto.io/Statement/v0.1","predicate":"SPDXVersion: SPDX-2.2\n\u003cx\u003e","predicateType":"https://spdx.dev/Document","subject":[{"name":"app","digest":{"sha256":"\#(digest)"}}]}"#
        )
    }

    @Test("SLSA v0.2: unknown fields dropped, zero values left out, timestamps normalised, types checked")
    func slsa02() throws {
        let predicate = #"""
            {"builder":{"id":"https://builder.example/v1","extra":1},"build_type":"https://example/type",
             "invocation":{"configSource":{"uri":"git+https://x","digest":{"sha1":"abc"},"entryPoint":""},"parameters":{"b":2,"a":1}},
             "metadata":{"buildStartedOn":"2023-01-02T03:04:05.120+01:00","reproducible":false},
             "materials":[{"uri":"pkg:x","digest":{"sha256":"00"}}],"unknown":{"x":1}}
            """#
        let parsed = try statement(predicate, type: "slsaprovenance")
        #expect(parsed["predicateType"] as? String == "https://slsa.dev/provenance/v0.2")
        let p = parsed["predicate"] as! [String: Any]
        #expect(Set(p.keys) == ["builder", "buildType", "invocation", "metadata", "materials"])
        #expect((p["builder"] as! [String: Any]).keys.sorted() == ["id"])
        #expect((p["metadata"] as! [String: Any])["buildStartedOn"] as? String == "2023-01-02T02:04:05.120Z")
        #expect((p["metadata"] as! [String: Any])["reproducible"] == nil)
        #expect(((p["invocation"] as! [String: Any])["configSource"] as! [String: Any])["entryPoint"] == nil)
        #expect(throws: CosignError.self) { try statement(#"{"builder":{"id":5}}"#, type: "slsaprovenance02") }
        #expect(throws: CosignError.self) { try statement(#"{"metadata":{"buildStartedOn":"yesterday"}}"#, type: "slsaprovenance") }
        #expect(throws: CosignError.self) { try statement("[]", type: "slsaprovenance") }
    }

    @Test("SLSA v1: invocationID renamed to invocationId")
    func slsa1() throws {
        let predicate = #"""
            {"buildDefinition":{"buildType":"https://t","externalParameters":{"k":"v"},
              "resolvedDependencies":[{"uri":"git+https://x","digest":{"gitCommit":"abc"},"other":1}]},
             "runDetails":{"builder":{"id":"https://b"},"metadata":{"invocationID":"run-1","startedOn":"2024-05-01T00:00:00Z"}}}
            """#
        let p = try statement(predicate, type: "slsaprovenance1")["predicate"] as! [String: Any]
        let run = p["runDetails"] as! [String: Any]
        #expect((run["metadata"] as! [String: Any])["invocationId"] as? String == "run-1")
        let dep = ((p["buildDefinition"] as! [String: Any])["resolvedDependencies"] as! [[String: Any]])[0]
        #expect(dep.keys.sorted() == ["digest", "uri"])
    }

    @Test("link: required fields, every field written")
    func link() throws {
        let complete = #"{"_type":"link","name":"build","materials":{},"products":{"a":{"sha256":"00"}},"byproducts":{},"command":["make"],"environment":{},"x":1}"#
        let p = try statement(complete, type: "link")["predicate"] as! [String: Any]
        #expect(p.keys.sorted() == ["_type", "byproducts", "command", "environment", "materials", "name", "products"])
        #expect(throws: CosignError(.invalidInput, "")) { try statement(#"{"_type":"link","name":"x"}"#, type: "link") }
    }

    @Test("vuln: cosign's vulnerability predicate with zero values filled in")
    func vuln() throws {
        let p = try statement(#"{"scanner":{"uri":"pkg:trivy","result":{"n":0}},"metadata":{"scanStartedOn":"2024-01-01T00:00:00Z"}}"#, type: "vuln")[
            "predicate"] as! [String: Any]
        let metadata = p["metadata"] as! [String: Any]
        #expect(metadata["scanFinishedOn"] as? String == "0001-01-01T00:00:00Z")
        #expect((p["invocation"] as! [String: Any])["builder.id"] as? String == "")
    }

    @Test("predicate types: short names, URIs, and anything else refused")
    func types() throws {
        #expect(try PredicateType.validatedURI(for: "slsaprovenance1") == "https://slsa.dev/provenance/v1")
        #expect(try PredicateType.validatedURI(for: "https://example.com/x") == "https://example.com/x")
        #expect(throws: CosignError.self) { try PredicateType.validatedURI(for: "notatype") }
        #expect(throws: CosignError.self) { try statement("{}", type: "notatype") }
    }

    @Test("a provided statement must be an in-toto statement with a subject digest")
    func provided() throws {
        let good = #"{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a","digest":{"sha256":"00"}}],"predicateType":"https://x","predicate":{}}"#
        #expect(try AttestationStatement.validateProvided(Array(good.utf8)).predicateType == "https://x")
        for bad in [
            "[]", #"{"_type":"x","subject":[{"digest":{"sha256":"00"}}],"predicateType":"p"}"#,
            #"{"_type":"https://in-toto.io/Statement/v1","subject":[],"predicateType":"p"}"#,
            #"{"_type":"https://in-toto.io/Statement/v1","subject":[{"digest":{"sha256":"00"}}]}"#,
        ] {
            #expect(throws: CosignError.self) { try AttestationStatement.validateProvided(Array(bad.utf8)) }
        }
    }
}

@Suite("DSSE signing of statements")
struct DSSESigningTests {
    @Test("every key kind signs over the PAE; the envelope verifies and a changed payload does not",
          arguments: [KeyKind.ecdsaP256, .ecdsaP384, .ecdsaP521, .rsa(bits: 2048), .ed25519])
    func roundTrip(kind: KeyKind) async throws {
        let key = try SigningKey.generate(kind)
        let statement = Array(#"{"_type":"https://in-toto.io/Statement/v1","subject":[],"predicateType":"p","predicate":{}}"#.utf8)
        let envelope = try await DSSESigning.envelope(payload: statement, key: key)
        try AttestationChecks.verifyEnvelope(envelope, publicKey: key.publicKey)
        // The signature covers the PAE, not the bare payload.
        let pae = DSSEEnvelope.preAuthenticationEncoding(payloadType: envelope.payloadType, payload: statement)
        try key.publicKey.verifySignature(envelope.signatures[0].sig.bytes, message: pae)
        var changed = statement
        changed[changed.count - 2] = UInt8(ascii: " ")
        let tampered = DSSEEnvelope(payload: changed, payloadType: envelope.payloadType, signatures: envelope.signatures)
        #expect(throws: CosignError.self) { try AttestationChecks.verifyEnvelope(tampered, publicKey: key.publicKey) }
        let retyped = DSSEEnvelope(payload: statement, payloadType: "text/plain", signatures: envelope.signatures)
        #expect(throws: CosignError.self) { try AttestationChecks.verifyEnvelope(retyped, publicKey: key.publicKey) }
        // cosign's two serialisations.
        #expect(String(decoding: DSSESigning.legacyJSON(envelope), as: UTF8.self).hasPrefix(#"{"payloadType":"application/vnd.in-toto+json","payload":""#))
        #expect(String(decoding: DSSESigning.legacyJSON(envelope), as: UTF8.self).contains(#"[{"keyid":"","sig":""#))
    }
}
