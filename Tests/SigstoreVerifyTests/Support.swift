import Foundation
import SigstoreCore
import SigstoreJSON
import SigstoreCrypto
import SigstoreModels
import SigstoreTesting
import SigstoreVerify
import Testing

/// One virtual instance for the whole suite (key generation is the slow part).
let virtual = try! VirtualSigstore()

func verifier(_ configuration: VerifierConfiguration, listTSALeaf: Bool = true) throws -> SigstoreVerifier {
    SigstoreVerifier(
        trustMaterial: try TrustMaterial(jsonData: virtual.trustedRootJSON(listTSALeaf: listTSALeaf)), configuration: configuration)
}

let artifact = Array("hello, virtual sigstore\n".utf8)
let signingTime = Date(timeIntervalSince1970: 1_750_000_000)
let identity = [
    CertificateIdentity(
        subjectAlternativeName: try! StringMatcher(exact: "signer@example.com"),
        issuer: try! StringMatcher(exact: "https://issuer.example"))
]

/// cosign's default configuration for a certificate bundle, switched to signed timestamps for Rekor v2 or TSA cases.
func cosignConfiguration(signedTimestamps: Bool) -> VerifierConfiguration {
    .cosign(keyBased: false, useSignedTimestamps: signedTimestamps)
}

/// Signs the artifact with the virtual instance and verifies it with cosign's configuration for its evidence.
func verify(
    _ options: VirtualSigstore.Options, artifact input: ArtifactInput = .data(Data(artifact)),
    identities: [CertificateIdentity] = identity
) async throws -> VerificationResult {
    let bundle = try SigstoreBundle(jsonData: try virtual.sign(artifact, options: options))
    let signed = options.timestamp || options.log == .rekorV2
    // TSA certificate faults are checked against a root that does not pin the TSA's own certificate.
    let pinned = options.faults.isDisjoint(with: [.timestampEKUNotCritical, .timestampFromUntrustedTSA])
    return try await verifier(cosignConfiguration(signedTimestamps: signed), listTSALeaf: pinned)
        .verify(bundle, policy: VerificationPolicy(artifact: input, identities: identities))
}

/// One fault injected into an otherwise valid bundle, and the check that must refuse it.
struct FaultCase: Sendable, CustomTestStringConvertible {
    var fault: VirtualSigstore.Fault
    var check: VerificationCheck
    var log: VirtualSigstore.Log = .rekorV1
    var timestamp = false
    var dsse = false

    var testDescription: String { "\(fault) (\(log)\(timestamp ? ", TSA" : "")\(dsse ? ", DSSE" : ""))" }

    /// The same options without the fault verify; with it, verification fails in `check`.
    func expectRefused(sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let good = VirtualSigstore.Options(time: signingTime, log: log, timestamp: timestamp, dsse: dsse)
        _ = try await verify(good)
        var bad = good
        bad.faults = [fault]
        do {
            _ = try await verify(bad)
            Issue.record("\(fault) verified", sourceLocation: sourceLocation)
        } catch let error as VerificationError {
            #expect(error.check == check, "\(fault): \(error.message)", sourceLocation: sourceLocation)
        }
    }
}

/// A valid bundle's JSON, edited as a dictionary (to break what the virtual instance always gets right).
func editedBundle(
    _ options: VirtualSigstore.Options = .init(time: signingTime), _ edit: (inout [String: Any]) throws -> Void
) throws -> SigstoreBundle {
    let json = try virtual.sign(artifact, options: options)
    var object = try #require(try JSONSerialization.jsonObject(with: Data(json)) as? [String: Any])
    try edit(&object)
    return try SigstoreBundle(jsonData: Array(try JSONSerialization.data(withJSONObject: object)))
}

/// Verifies `bundle` with cosign's keyless configuration and returns the check that refused it (nil if it verified).
func refusingCheck(_ bundle: SigstoreBundle, configuration: VerifierConfiguration = cosignConfiguration(signedTimestamps: false)) async throws -> VerificationCheck? {
    do {
        _ = try await verifier(configuration).verify(bundle, policy: VerificationPolicy(artifact: .data(Data(artifact)), identities: identity))
        return nil
    } catch let error as VerificationError {
        return error.check
    }
}
