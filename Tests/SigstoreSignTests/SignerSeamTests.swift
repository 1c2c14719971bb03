import Foundation
import SigstoreCore
import SigstoreCrypto
import SigstoreModels
import SigstoreSign
import SigstoreVerify
import Testing

/// The signer over stand-in services (the protocols it depends on), without a network.
@Suite("signer over stand-in services")
struct SignerSeamTests {
    struct FailingLog: TransparencyLogClient {
        var apiVersion = 1
        func upload(_ proposal: LogProposal) async throws -> LoggedEntry {
            throw SigningError(.transparencyLog, "the log is down")
        }
    }

    struct GarbageAuthority: TimestampAuthorityClient {
        func timestamp(signature: [UInt8]) async throws -> [UInt8] { [0x30, 0x03, 0x02, 0x01, 0x01] }
    }

    actor CountingAuthority: TimestampAuthorityClient {
        var requests = 0
        func timestamp(signature: [UInt8]) async throws -> [UInt8] {
            requests += 1
            throw SigningError(.timestampAuthority, "no timestamps today")
        }
    }

    @Test("a failing transparency log fails the signature with its error; nothing is returned")
    func failingLog() async throws {
        let signer = ArtifactSigner(key: SigningKey.generateP256(), services: SigningServices(transparencyLogs: [FailingLog()]))
        await #expect(throws: SigningError(.transparencyLog, "")) {
            _ = try await signer.sign(.message(Array("payload".utf8)))
        }
    }

    @Test("a timestamp that is not a token is refused by the signer's own verification")
    func garbageTimestamp() async throws {
        let signer = ArtifactSigner(
            key: SigningKey.generateP256(), services: SigningServices(timestampAuthorities: [GarbageAuthority()], trustMaterial: TrustMaterial()))
        await #expect(throws: (any Error).self) { _ = try await signer.sign(.message(Array("payload".utf8))) }
    }

    @Test("every timestamp authority is asked, and its failure stops signing")
    func authorityAsked() async throws {
        let authority = CountingAuthority()
        let signer = ArtifactSigner(key: SigningKey.generateP256(), services: SigningServices(timestampAuthorities: [authority]))
        await #expect(throws: SigningError(.timestampAuthority, "")) { _ = try await signer.sign(.dsse(payload: [0x7B, 0x7D], payloadType: "x")) }
        #expect(await authority.requests == 1)
    }

    @Test("without services the key alone signs, and the signature verifies")
    func keyAlone() async throws {
        let key = SigningKey.generateP256()
        let signed = try await ArtifactSigner(key: key, services: SigningServices()).sign(.message(Array("payload".utf8)))
        try key.publicKey.verifySignature(signed.signature, digest: HashAlgorithm.sha256.digest(of: Array("payload".utf8)))
        #expect(signed.logEntries.isEmpty && signed.timestamps.isEmpty)
    }
}
