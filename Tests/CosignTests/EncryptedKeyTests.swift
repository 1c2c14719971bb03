import Cosign
import Foundation
import SigstoreCrypto
import SigstoreTesting
import Testing
import SigstoreCore


@Suite("Encrypted cosign key files")
struct EncryptedKeyTests {
    /// A deterministic "random" source for layout tests.
    static func counter(_ n: Int) -> [UInt8] { (0..<n).map { UInt8($0) } }

    @Test("writes the JSON layout cosign writes")
    func layout() throws {
        let key = SigningKey.generateP256()
        // A password with characters base64 never uses, so that finding it in the PEM cannot be a coincidence.
        let encrypted = try EncryptedPrivateKey(encrypting: key, password: Array("p@ss w0rd!".utf8), randomBytes: Self.counter)
        let json = String(decoding: encrypted.jsonData(), as: UTF8.self)
        #expect(json.hasPrefix(#"{"kdf":{"name":"scrypt","params":{"N":65536,"r":8,"p":1},"salt":"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="},"cipher":{"name":"nacl/secretbox","nonce":"AAECAwQFBgcICQoLDA0ODxAREhMUFRYX"},"ciphertext":""#))
        let pem = try encrypted.pemRepresentation()
        #expect(pem.hasPrefix("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n"))
        #expect(!pem.contains("p@ss w0rd!"))
    }

    @Test("round-trips for every key kind", arguments: [KeyKind.ecdsaP256, .ecdsaP384, .ecdsaP521, .rsa(bits: 2048), .ed25519])
    func roundTrip(kind: KeyKind) throws {
        let key = try SigningKey.generate(kind)
        let pair = try KeyFiles.keyPair(for: key, password: Array("secret".utf8))
        let loaded = try KeyFiles.loadPrivateKey(pem: pair.privateKeyPEM, password: Array("secret".utf8))
        #expect(loaded.publicKey.derRepresentation == key.publicKey.derRepresentation)
        #expect(pair.publicKeyPEM == key.publicKey.pemRepresentation)
    }

    @Test("an empty password still encrypts and decrypts")
    func emptyPassword() throws {
        let pair = try KeyFiles.keyPair(for: SigningKey.generateP256(), password: [])
        _ = try KeyFiles.loadPrivateKey(pem: pair.privateKeyPEM, password: [])
        #expect(throws: CosignError(.wrongPassword, "")) {
            try KeyFiles.loadPrivateKey(pem: pair.privateKeyPEM, password: Array("x".utf8))
        }
    }

    @Test("a wrong password is refused without revealing it")
    func wrongPassword() throws {
        let pair = try KeyFiles.keyPair(for: SigningKey.generateP256(), password: Array("right-password".utf8))
        do {
            _ = try KeyFiles.loadPrivateKey(pem: pair.privateKeyPEM, password: Array("wrong-password".utf8))
            Issue.record("wrong password accepted")
        } catch let error as CosignError {
            #expect(error.code == .wrongPassword)
            #expect(!error.message.contains("password\""))
            #expect(!error.message.contains("wrong-password"))
            #expect(!error.message.contains("right-password"))
        }
    }

    @Test("malformed key files are refused with a clear error", arguments: [
        "",
        "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
        "-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\nbm90IGpzb24=\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n",
        "-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n" + Data(#"{"kdf":{"name":"scrypt","params":{"N":1024,"r":8,"p":1},"salt":"AA=="},"cipher":{"name":"nacl/secretbox","nonce":"AAECAwQFBgcICQoLDA0ODxAREhMUFRYX"},"ciphertext":"AAAAAAAAAAAAAAAAAAAAAAAAAAAA"}"#.utf8).base64EncodedString() + "\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n",
        "-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n" + Data(#"{"kdf":{"name":"pbkdf2","params":{"N":65536,"r":8,"p":1},"salt":"AA=="},"cipher":{"name":"nacl/secretbox","nonce":"AA=="},"ciphertext":"AA=="}"#.utf8).base64EncodedString() + "\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n",
    ])
    func malformed(pem: String) {
        do {
            _ = try KeyFiles.loadPrivateKey(pem: pem, password: [])
            Issue.record("malformed key accepted")
        } catch let error as CosignError {
            #expect(error.code == .keyFile)
            #expect(!error.message.contains("\n"))
        } catch {
            Issue.record("unexpected error type \(error)")
        }
    }

    // Needs ../shared/vectors (or SWIFT_COSIGN_VECTORS): skipped where it is absent, a failure under CI=true.
    @Test("Go cosign's encrypted keys load with their password (shared vectors)", .enabled(if: Requirement.vectors.shouldRun, "needs the shared vectors: \(Requirement.vectors)"))
    func goCosignVectors() throws {
        let vectors = try Requirement.sharedVectors()
        let keys = vectors.appendingPathComponent("cosign/keys")
        let password = Array(try String(contentsOf: keys.appendingPathComponent("PASSWORD"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines).utf8)
        for name in ["cosign-label-ec-p256", "sigstore-label-ec-p256"] {
            let pem = try String(contentsOf: keys.appendingPathComponent("\(name).key"), encoding: .utf8)
            let expected = try String(contentsOf: keys.appendingPathComponent("\(name).pub"), encoding: .utf8)
            let key = try KeyFiles.loadPrivateKey(pem: pem, password: password)
            #expect(key.publicKey.pemRepresentation == expected, "\(name)")
            #expect(throws: CosignError(.wrongPassword, "")) {
                try KeyFiles.loadPrivateKey(pem: pem, password: Array("wrong".utf8))
            }
        }
        let sec1 = try String(contentsOf: keys.appendingPathComponent("cosign-label-sec1-inner.key"), encoding: .utf8)
        #expect(throws: CosignError(.keyFile, "")) { try KeyFiles.loadPrivateKey(pem: sec1, password: password) }
    }
}
