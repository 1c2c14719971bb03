import Foundation
import SigstoreCore
import SigstoreJSON
import SigstoreCrypto
import SigstoreModels
import SigstoreTesting
import SigstoreVerify
import Testing

/// SigstoreVerifier+Signature: the signature over the artifact, its digest, or the DSSE envelope and its subjects.
@Suite("Signatures and artifacts")
struct SignatureTests {
    @Test(
        "a signature over another artifact, or a statement about another one, is refused",
        arguments: [
            FaultCase(fault: .signatureOverOtherArtifact, check: .signature, log: .rekorV2, timestamp: true),
            FaultCase(fault: .dsseSubjectMismatch, check: .artifact, dsse: true),
            FaultCase(fault: .dssePayloadTypeWrong, check: .artifact, log: .rekorV2, timestamp: true, dsse: true),
        ])
    func refused(_ fault: FaultCase) async throws {
        try await fault.expectRefused()
    }

    @Test("the artifact may be given as bytes, a digest or digests", arguments: [false, true])
    func artifactForms(dsse: Bool) async throws {
        let options = VirtualSigstore.Options(time: signingTime, dsse: dsse)
        let digest = HashAlgorithm.sha256.digest(of: artifact)
        _ = try await verify(options, artifact: .data(Data(artifact)))
        _ = try await verify(options, artifact: .digest(digest))
        _ = try await verify(options, artifact: .digests([digest, HashAlgorithm.sha512.digest(of: artifact)]))
    }

    @Test("another artifact, or another digest, is refused", arguments: [false, true])
    func otherArtifact(dsse: Bool) async throws {
        let options = VirtualSigstore.Options(time: signingTime, dsse: dsse)
        let other = Array("another artifact".utf8)
        for input: ArtifactInput in [.data(Data(other)), .digest(HashAlgorithm.sha256.digest(of: other))] {
            do {
                _ = try await verify(options, artifact: input)
                Issue.record("another artifact verified")
            } catch let error as VerificationError {
                // A message signature fails on the signature itself (it covers the artifact's hash); a DSSE
                // envelope on the statement's subject.
                #expect([VerificationCheck.signature, .artifact].contains(error.check), "\(error.message)")
            }
        }
    }

    @Test("a DSSE bundle reports its verified payload")
    func envelopePayload() async throws {
        let result = try await verify(.init(time: signingTime, dsse: true))
        let payload = try #require(result.envelopePayload)
        #expect(payload.type == "application/vnd.in-toto+json")
        #expect(String(decoding: payload.payload, as: UTF8.self).contains(HashAlgorithm.sha256.digest(of: artifact).hex))
    }

    @Test("a message signature without its artifact cannot be verified")
    func noArtifact() async throws {
        await #expect(throws: VerificationError(.artifact, "")) {
            try await verify(.init(time: signingTime), artifact: .none)
        }
    }
}
