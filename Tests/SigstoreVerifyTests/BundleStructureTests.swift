import Foundation
import SigstoreCore
import SigstoreJSON
import SigstoreCrypto
import SigstoreModels
import SigstoreTesting
import SigstoreVerify
import Testing

/// SigstoreVerifier+Bundle: the rules of each bundle version and the signer the policy expects.
@Suite("Bundle structure")
struct BundleStructureTests {
    /// Edits of a valid v0.3 bundle that break a structural rule.
    enum Edit: String, CaseIterable, Sendable {
        case noCanonicalizedBody, negativeLogIndex, emptyLogID, noCheckpoint, emptySignature, chainInV03, noInclusionProof

        func apply(_ object: inout [String: Any]) throws {
            var material = try #require(object["verificationMaterial"] as? [String: Any])
            var entries = try #require(material["tlogEntries"] as? [[String: Any]])
            switch self {
            case .noCanonicalizedBody: entries[0]["canonicalizedBody"] = nil
            case .negativeLogIndex: entries[0]["logIndex"] = "-1"
            case .emptyLogID: entries[0]["logId"] = ["keyId": ""]
            case .noCheckpoint:
                var proof = try #require(entries[0]["inclusionProof"] as? [String: Any])
                proof["checkpoint"] = nil
                entries[0]["inclusionProof"] = proof
            case .noInclusionProof: entries[0]["inclusionProof"] = nil
            case .emptySignature:
                var signature = try #require(object["messageSignature"] as? [String: Any])
                signature["signature"] = ""
                object["messageSignature"] = signature
            case .chainInV03:
                let certificate = try #require(material["certificate"])
                material["certificate"] = nil
                material["x509CertificateChain"] = ["certificates": [certificate]]
            }
            material["tlogEntries"] = entries
            object["verificationMaterial"] = material
        }
    }

    @Test("a v0.3 bundle that breaks a rule of its version is refused", arguments: Edit.allCases)
    func refused(edit: Edit) async throws {
        let bundle: SigstoreBundle
        do {
            bundle = try editedBundle { try edit.apply(&$0) }
        } catch is BundleError {
            return  // the model already refuses it
        }
        #expect(try await refusingCheck(bundle) == .bundle, "\(edit)")
    }

    @Test("a key-signed bundle needs the key, and a certificate bundle refuses one")
    func signerMaterial() async throws {
        let bundle = try SigstoreBundle(jsonData: try virtual.sign(artifact, options: .init(time: signingTime)))
        let key = SigningKey.generateP256().publicKey
        await #expect(throws: VerificationError(.bundle, "")) {
            try await verifier(cosignConfiguration(signedTimestamps: false))
                .verify(bundle, policy: VerificationPolicy(artifact: .data(Data(artifact)), publicKey: key))
        }
    }

    @Test("more RFC 3161 timestamps than the limit are refused, by the model and by the verifier")
    func tooManyTimestamps() async throws {
        let options = VirtualSigstore.Options(time: signingTime, log: .rekorV2, timestamp: true)
        #expect(throws: BundleError.self) {
            try editedBundle(options) { object in
                var material = try #require(object["verificationMaterial"] as? [String: Any])
                var data = try #require(material["timestampVerificationData"] as? [String: Any])
                let tokens = try #require(data["rfc3161Timestamps"] as? [Any])
                data["rfc3161Timestamps"] = Array(repeating: tokens[0], count: Limits.maxTimestamps + 1)
                material["timestampVerificationData"] = data
                object["verificationMaterial"] = material
            }
        }
        var bundle = try SigstoreBundle(jsonData: try virtual.sign(artifact, options: options))
        let tokens = try #require(bundle.verificationMaterial.timestampVerificationData?.rfc3161Timestamps)
        bundle.verificationMaterial.timestampVerificationData?.rfc3161Timestamps = Array(repeating: tokens[0], count: Limits.maxTimestamps + 1)
        #expect(try await refusingCheck(bundle, configuration: cosignConfiguration(signedTimestamps: true)) == .bundle)
    }
}
