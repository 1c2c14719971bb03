import Foundation
import SigstoreTesting
import Testing

/// `cosign bundle inspect`: Go cosign's tree of what a bundle holds, read leniently, nothing verified.
@Suite("cosign bundle inspect")
struct BundleInspectTests {
    static func write(_ json: String) throws -> String {
        let path = NSTemporaryDirectory() + "inspect-\(UUID().uuidString).json"
        try json.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test(
        "real bundles: the CPython release (v0.1, Rekor v1) and the conformance beacon (v0.3, Rekor v2, SCT, RFC 3161 timestamp)",
        .enabled(if: Requirement.vectors.shouldRun, "needs the shared vectors: \(Requirement.vectors)"))
    func realBundles() async throws {
        let vectors = try Requirement.sharedVectors()
        let cpython = await cosign(["bundle", "inspect", vectors.appendingPathComponent("cpython-release-tracker/3.12.5/bundle.sigstore.json").path])
        #expect(cpython.status == 0, "\(cpython.stderr)")
        #expect(cpython.stderr.hasPrefix("WARNING: This command only inspects the contents of the bundle.\n"))
        #expect(cpython.stderr.contains("Local TUF environment not initialized, some details will be omitted: "))
        for line in [
            "- Bundle Media Type: application/vnd.dev.sigstore.bundle+json;version=0.1\n", "  - Content: X.509 Certificate Chain\n",
            "      - Signature Algorithm: ECDSA-SHA384\n", "        - Common Name: sigstore-intermediate\n",
            "        - Not Before: 2024-08-07T11:36:19Z\n", "        - Public Key: 047b87f8...5cb570c3 (97 bytes)\n",
            "          - Email: thomas@python.org\n", "        - Extended Key Usage: Code Signing\n",
            "        - OIDC Issuer: https://accounts.google.com\n", "        - Signed Certificate Timestamps: 1\n",
            "      - Log Index: 119205430\n", "      - Integrated Time: 2024-08-07T11:36:20Z\n",
            "          - Origin: rekor.sigstore.dev - 2605736670972794746\n", "  - Type: Message Signature\n", "    - Algorithm: SHA2_256\n",
        ] {
            #expect(cpython.stdout.contains(line), "missing \(line)")
        }
        let beacon = await cosign([
            "bundle", "inspect", vectors.appendingPathComponent("conformance/bundle-verify/rekor2-checkpoint-cosigned/bundle.sigstore.json").path,
        ])
        #expect(beacon.status == 0, "\(beacon.stderr)")
        for line in [
            "  - Content: X.509 Certificate\n", "      - Source Repository URI: https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon\n",
            "      - Integrated Time: 0 (Not set)\n", "            - witness.example: Signature Present (76 bytes)\n",
            "      - Serial Number: 488637445213080416798651966142940555208881776044\n", "      - Policy: 1.3.6.1.4.1.57264.2\n",
        ] {
            #expect(beacon.stdout.contains(line), "missing \(line)")
        }
    }

    @Test("incomplete or odd bundles are described with warnings, not refused")
    func lenient() async throws {
        let statement = Data(#"{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a.txt","digest":{"sha256":"00"}}],"predicateType":"https://slsa.dev/provenance/v1","predicate":{}}"#.utf8).base64EncodedString()
        let cases: [(String, [String])] = [
            (#"{"mediaType":""}"#, ["- [!] WARNING: Missing Bundle Media Type", "- [!] WARNING: Missing Verification Material", "- [!] WARNING: Missing Content"]),
            (#"{"mediaType":"application/garbage"}"#, ["- [!] WARNING: Unrecognized Media Type"]),
            (
                #"{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","verificationMaterial":{"x509CertificateChain":{"certificates":[]},"publicKey":{"hint":"AQID"}},"dsseEnvelope":{"payload":"\#(statement)","payloadType":"application/vnd.in-toto+json","signatures":[{"sig":"AAAA","keyid":"AQID"},{"sig":"AAAA"}]}}"#,
                [
                    "  - Content: X.509 Certificate Chain", "    - [!] WARNING: Certificate chain is empty",
                    "    - [!] WARNING: v0.3 bundle should use single certificate, not chain", "  - Type: DSSE Envelope",
                    "    - Predicate Type: https://slsa.dev/provenance/v1", "      - Name: a.txt", "  - Signatures: 2",
                    "      - Key Hint: 010203", "  - [!] WARNING: DSSE envelope MUST contain only one signature",
                ]
            ),
            (
                #"{"mediaType":"application/vnd.dev.sigstore.bundle+json;version=0.2","verificationMaterial":{"publicKey":{"hint":"AQID"},"tlogEntries":[{"logIndex":"7","kindVersion":{"kind":"hashedrekord","version":"0.0.1"}}]},"dsseEnvelope":{"payload":"","payloadType":"text/plain","signatures":[{"sig":"AAAA","keyid":"BAUG"}]}}"#,
                [
                    "    - Hint: 010203", "      - Log Index: 7", "      - Integrated Time: 0 (Not set)",
                    "      - [!] WARNING: v0.2 bundle tlog entry MUST contain an inclusion proof",
                    "      - [!] WARNING: Key hint mismatch with Verification Material",
                ]
            ),
        ]
        for (json, lines) in cases {
            let path = try Self.write(json)
            defer { try? FileManager.default.removeItem(atPath: path) }
            let result = await cosign(["bundle", "inspect", path])
            #expect(result.status == 0, "\(json): \(result.stderr)")
            for line in lines { #expect(result.stdout.contains(line + "\n"), "\(json): missing \(line) in\n\(result.stdout)") }
        }
    }

    @Test("a file that is not a JSON object, or no file: one error line")
    func badInput() async throws {
        let path = try Self.write("not json")
        defer { try? FileManager.default.removeItem(atPath: path) }
        expectOneLineError(await cosign(["bundle", "inspect", path]), containing: "unmarshaling bundle")
        expectOneLineError(await cosign(["bundle", "inspect", "/nonexistent/bundle.json"]), containing: "opening bundle file")
    }
}
