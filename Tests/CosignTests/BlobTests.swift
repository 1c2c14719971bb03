import Cosign
import Foundation
import SigstoreCrypto
import SigstoreModels
import Testing
import SigstoreCore
import SigstoreSign

@Suite("Blob signing and verification with keys")
struct BlobTests {
    func temporaryFile(_ contents: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("blob-\(UUID().uuidString)").path
        try contents.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("bundle v0.3 round trip, by file and by digest", arguments: [KeyKind.ecdsaP256, .ecdsaP384, .ecdsaP521, .rsa(bits: 3072)])
    func bundleRoundTrip(kind: KeyKind) async throws {
        let key = try SigningKey.generate(kind)
        let path = try temporaryFile("payload")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let signature = try await BlobSigning.sign(.file(path: path), with: key)
        let bundle = signature.bundle()
        let reparsed = try SigstoreBundle(jsonData: bundle.jsonData())
        #expect(reparsed == bundle)
        let verifier = BlobVerifier(publicKey: key.publicKey, configuration: .init(ignoreTransparencyLog: true))
        try await verifier.verify(bundle: reparsed, artifact: .file(path: path))
        try await verifier.verify(bundle: reparsed, artifact: .digest(try #require(signature.digest)))
        // Without --insecure-ignore-tlog a key bundle without a log entry is refused.
        await #expect(throws: CosignError(.verificationFailed, "")) {
            try await BlobVerifier(publicKey: key.publicKey).verify(bundle: reparsed, artifact: .file(path: path))
        }
    }

    @Test("tampered artifact, signature and wrong key are refused")
    func tampering() async throws {
        let key = SigningKey.generateP256()
        let path = try temporaryFile("payload")
        let other = try temporaryFile("payload!")
        let signature = try await BlobSigning.sign(.file(path: path), with: key)
        let verifier = BlobVerifier(publicKey: key.publicKey, configuration: .init(ignoreTransparencyLog: true))
        await #expect(throws: CosignError(.verificationFailed, "")) {
            try await verifier.verify(bundle: signature.bundle(), artifact: .file(path: other))
        }
        #expect(throws: CosignError(.verificationFailed, "")) {
            try verifier.verify(signature: signature.signature, artifact: .file(path: other))
        }
        var bad = signature.signature
        bad[bad.count - 3] ^= 0x01
        #expect(throws: CosignError(.verificationFailed, "")) { try verifier.verify(signature: bad, artifact: .file(path: path)) }
        let stranger = BlobVerifier(publicKey: SigningKey.generateP256().publicKey, configuration: .init(ignoreTransparencyLog: true))
        #expect(throws: CosignError(.verificationFailed, "")) { try stranger.verify(signature: signature.signature, artifact: .file(path: path)) }
    }

    @Test("Ed25519 signs the whole message")
    func ed25519() async throws {
        let key = try SigningKey.generate(.ed25519)
        let path = try temporaryFile("ed25519 payload")
        let signature = try await BlobSigning.sign(.file(path: path), with: key)
        #expect(signature.signature.count == 64)
        let verifier = BlobVerifier(publicKey: key.publicKey, configuration: .init(ignoreTransparencyLog: true))
        try verifier.verify(signature: signature.signature, artifact: .file(path: path))
        try await verifier.verify(bundle: signature.bundle(), artifact: .file(path: path))
    }

    @Test("streaming digest of a multi-chunk file matches a one-shot digest")
    func streaming() throws {
        let bytes = (0..<(3 << 20) + 17).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("big-\(UUID().uuidString)").path
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try Artifact.file(path: path).digest(.sha256) == HashAlgorithm.sha256.digest(of: bytes))
    }

    @Test("artifact errors name the problem")
    func artifactErrors() throws {
        do {
            _ = try Artifact.file(path: "/nonexistent/x").digest(.sha256)
            Issue.record("missing file accepted")
        } catch let error as FileError {
            #expect(error.message == "open /nonexistent/x: no such file or directory")
        }
        do {
            _ = try Artifact.file(path: NSTemporaryDirectory()).digest(.sha256)
            Issue.record("directory accepted")
        } catch let error as FileError {
            #expect(error.message.hasSuffix("is a directory"))
        }
    }

    @Test("bundles are parsed strictly")
    func strictBundles() throws {
        let good = #"{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","verificationMaterial":{"publicKey":{"hint":"x"}},"messageSignature":{"messageDigest":{"algorithm":"SHA2_256","digest":"AAAA"},"signature":"AAAA"}}"#
        _ = try SigstoreBundle(jsonData: Array(good.utf8))
        let bad = [
            good.replacingOccurrences(of: "v0.3+json", with: "v9.9+json"),
            good.replacingOccurrences(of: #""signature":"AAAA""#, with: #""signature":"AAAA","extra":1"#),
            good.replacingOccurrences(of: #""digest":"AAAA""#, with: #""digest":"!!!!""#),
            String(good.dropLast(10)),
            "",
        ]
        for text in bad {
            #expect(throws: BundleError.self, "\(text)") { try SigstoreBundle(jsonData: Array(text.utf8)) }
        }
    }
}
