import Foundation
import SigstoreCore
import SigstoreJSON
import SigstoreModels
import SigstoreTesting
import Testing

/// TrustedRoot: read strictly, written as protobuf JSON, and read back equal.
@Suite("Trusted roots")
struct TrustedRootModelTests {
    @Test("a trusted root written in code reads back equal, its windows whole seconds in UTC")
    func roundTrip() throws {
        let start = Date(timeIntervalSince1970: 1_700_000_000)
        let root = TrustedRoot(
            tlogs: [
                TransparencyLogInstance(
                    baseURL: "https://rekor.test",
                    publicKey: PublicKeyMaterial(rawBytes: [1, 2, 3], keyDetails: "PKIX_ECDSA_P256_SHA_256", validFor: TimeRange(start: start, end: nil)),
                    logID: [4, 5, 6], checkpointKeyID: [7], operator: "test")
            ],
            certificateAuthorities: [
                CertificateAuthority(
                    organization: "o", commonName: "cn", uri: "https://fulcio.test", certificateChain: [[8], [9]],
                    validFor: TimeRange(start: start, end: start.addingTimeInterval(60)))
            ])
        let text = String(decoding: root.jsonData(), as: UTF8.self)
        #expect(text.contains(#""validFor":{"start":"2023-11-14T22:13:20Z","end":"2023-11-14T22:14:20Z"}"#))
        #expect(text.contains(#""ctlogs":[]"#))
        #expect(try TrustedRoot(jsonData: root.jsonData()) == root)
    }

    @Test("the virtual instance's trusted root reads back equal after writing")
    func virtualRoundTrip() throws {
        let root = try TrustedRoot(jsonData: try VirtualSigstore().trustedRootJSON())
        #expect(root.tlogs.count == 2 && root.ctlogs.count == 1 && root.certificateAuthorities.count == 1 && root.timestampAuthorities.count == 1)
        #expect(try TrustedRoot(jsonData: root.jsonData()) == root)
    }

    @Test(
        "malformed trusted roots are refused",
        arguments: [
            #"{"mediaType":"application/vnd.dev.sigstore.trustedroot+json;version=0.2"}"#,
            #"{"mediaType":"application/vnd.dev.sigstore.trustedroot+json;version=0.1","unknown":[]}"#,
            #"{"mediaType":"application/vnd.dev.sigstore.trustedroot+json;version=0.1","tlogs":[{"baseUrl":"x"}]}"#,
            #"{"mediaType":"application/vnd.dev.sigstore.trustedroot+json;version=0.1","tlogs":[{"publicKey":{"validFor":{"start":"yesterday"}},"logId":{"keyId":"AA=="}}]}"#,
            #"{"mediaType":"application/vnd.dev.sigstore.trustedroot+json;version=0.1","certificateAuthorities":[{"certChain":{"certificates":[{"rawBytes":"*"}]}}]}"#,
        ])
    func refused(json: String) {
        #expect(throws: BundleError.self) { try TrustedRoot(jsonData: Array(json.utf8)) }
    }
}
