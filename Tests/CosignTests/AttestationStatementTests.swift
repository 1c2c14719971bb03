import Cosign
import SigstoreCrypto
import Foundation
import SigstoreModels
import SigstoreTesting
import Testing

@Suite("JSON reader for predicates")
struct JSONParserTests {
    @Test("well-formed documents parse with numbers and member order kept")
    func parses() throws {
        let text = #" {"b":1,"a":[true,false,null,-0.5e3,"x\u00e9\n\ud83d\ude00"],"c":{}} "#
        let value = try JSONParser.parse(Array(text.utf8))
        #expect(String(decoding: value.serialized(), as: UTF8.self) == #"{"b":1,"a":[true,false,null,-0.5e3,"xé\n😀"],"c":{}}"#)
        #expect(try JSONParser.validate(Array(text.utf8)) == .object)
        #expect(try JSONParser.validate(Array("[1]".utf8)) == .array)
        #expect(try JSONParser.validate(Array(#""s""#.utf8)) == .string)
    }

    @Test("top-level members can be left unbuilt but are still checked")
    func keeping() throws {
        let text = #"{"predicate":{"big":[1,2,{"x":"y"}]},"predicateType":"t","subject":[]}"#
        let value = try JSONParser.parse(Array(text.utf8), keepingTopLevel: ["predicateType", "subject"])
        #expect(String(decoding: value.serialized(), as: UTF8.self) == #"{"predicateType":"t","subject":[]}"#)
        #expect(throws: BundleError.self) {
            try JSONParser.parse(Array(#"{"predicate":{"big":[1,]},"predicateType":"t"}"#.utf8), keepingTopLevel: ["predicateType"])
        }
        let statement = InTotoStatement(payload: Array(#"{"_type":"x","subject":[null,{"name":"a","digest":{"sha256":"00"}}],"predicate":{"a":1},"predicateType":"p"}"#.utf8))
        #expect(statement?.subject?.count == 2)
        #expect(statement?.subject?[1]?.digest == ["sha256": "00"])
        #expect(InTotoStatement(payload: Array(#"{"subject":[{"digest":{"sha256":1}}]}"#.utf8)) == nil)
        #expect(InTotoStatement(payload: Array(#"{"predicateType":"p","predicate":{"a":}}"#.utf8)) == nil)
    }

    @Test("malformed documents are refused", arguments: [
        "", "{", "{\"a\"}", "{\"a\":1,}", "[1,]", "01", "1.", "-", "tru", "\"\u{01}\"", "\"\\x\"", "{\"a\":1} x", "[\"\\u12\"]",
        "{'a':1}", "NaN",
    ])
    func refuses(_ text: String) {
        #expect(throws: BundleError.self) { try JSONParser.validate(Array(text.utf8)) }
        #expect(throws: BundleError.self) { try JSONParser.parse(Array(text.utf8)) }
    }

    @Test("differential: 4000 mutated documents get the same verdict as Python's strict json module")
    func differential() throws {
        let seeds = [
            #"{"a":[1,-2.5e+3,true,false,null],"b":{"c":"d\u00e9\n"},"e":"\ud83d\ude00"}"#,
            #"[{"spdxVersion":"SPDX-2.3","packages":[{"name":"x","versionInfo":"1.0"}]},0,1e-7,"é"]"#,
            #"{"_type":"https://in-toto.io/Statement/v1","subject":[{"digest":{"sha256":"00"}}],"predicate":{}}"#,
        ]
        let alphabet = Array(#"{}[]:,"\/ 0123456789.eE+-truefalsnxu\#u{00}\#u{1f}"#.utf8) + [0xC3, 0xA9, 0xED, 0xA0, 0x80, 0xFF]
        var generator = SplitMix64(state: 0x5eed)
        var documents: [[UInt8]] = []
        for i in 0..<4000 {
            var bytes = Array(seeds[i % seeds.count].utf8)
            for _ in 0..<(1 + Int(generator.next() % 3)) {
                let position = Int(generator.next() % UInt64(bytes.count + 1))
                switch generator.next() % 3 {
                case 0: bytes.insert(alphabet[Int(generator.next() % UInt64(alphabet.count))], at: position)
                case 1: if position < bytes.count { bytes.remove(at: position) }
                default: if position < bytes.count { bytes[position] = alphabet[Int(generator.next() % UInt64(alphabet.count))] }
                }
            }
            documents.append(bytes)
        }
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("interop/json_verdicts.py").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        let hex = documents.map { $0.map { String(format: "%02x", $0) }.joined() }.joined(separator: "\n") + "\n"
        let writer = Thread { input.fileHandleForWriting.write(Data(hex.utf8)); try? input.fileHandleForWriting.close() }
        writer.start()
        let verdicts = output.fileHandleForReading.readDataToEndOfFile().split(separator: UInt8(ascii: "\n")).map { $0 == Data("1".utf8) }
        process.waitUntilExit()
        try #require(verdicts.count == documents.count)
        var accepted = 0
        for (document, expected) in zip(documents, verdicts) {
            let ours = (try? JSONParser.validate(document)) != nil
            #expect(ours == expected, "\(String(decoding: document, as: UTF8.self)): ours \(ours), python \(expected)")
            if ours { _ = try JSONParser.parse(document) }
            accepted += expected ? 1 : 0
        }
        // Both verdicts occur (the mutations are neither all harmless nor all fatal).
        #expect(accepted > 200 && accepted < 3800, "\(accepted) accepted")
    }

    @Test("invalid UTF-8 and excessive nesting are refused")
    func limits() {
        #expect(throws: BundleError.self) { try JSONParser.validate([0x22, 0xC3, 0x28, 0x22]) }
        #expect(throws: BundleError.self) { try JSONParser.validate([0x22, 0xED, 0xA0, 0x80, 0x22]) }
        let deep = String(repeating: "[", count: 600) + String(repeating: "]", count: 600)
        #expect(throws: BundleError.self) { try JSONParser.validate(Array(deep.utf8)) }
    }
}

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
    func roundTrip(kind: KeyKind) throws {
        let key = try SigningKey.generate(kind)
        let statement = Array(#"{"_type":"https://in-toto.io/Statement/v1","subject":[],"predicateType":"p","predicate":{}}"#.utf8)
        let envelope = try DSSESigning.envelope(payload: statement, key: key)
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


@Suite("base64")
struct Base64Tests {
    @Test("encoding and decoding agree with Foundation; URL-safe and unpadded input is read; bad input is refused")
    func agrees() {
        var generator = SplitMix64(state: 64)
        for length in 0..<200 {
            let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            let foundation = Data(bytes).base64EncodedString()
            var out: [UInt8] = []
            Base64.encode(bytes, into: &out)
            #expect(String(decoding: out, as: UTF8.self) == foundation)
            #expect(String(decoding: OrderedJSON.base64(bytes).serialized(), as: UTF8.self) == "\"\(foundation)\"")
            #expect(Base64.decode(foundation) == bytes)
            let urlSafe = String(foundation.map { $0 == "+" ? "-" : $0 == "/" ? "_" : $0 }).replacingOccurrences(of: "=", with: "")
            #expect(Base64.decode(urlSafe) == bytes)
        }
        for bad in ["A", "A===", "QQ=", "Q=Q=", "QQ==QQ==", "QQ ==", "QQ\n==", "QUJD*", "===="] {
            #expect(Base64.decode(bad) == nil, "\(bad)")
        }
        #expect(Base64.decode("") == [])
    }
}
