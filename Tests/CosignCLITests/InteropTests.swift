import Foundation
import SigstoreTesting
import Testing

/// Independent readers check what we write: openssl verifies our signatures, PyNaCl + hashlib.scrypt decrypt our
/// key files, and the shared conformance script drives the built binary.
@Suite("Interoperability with independent implementations", .serialized)
struct InteropTests {
    struct KeySpec: CustomTestStringConvertible, Sendable {
        var name: String
        var generate: [String]   // openssl command producing an unencrypted PEM private key on stdout
        var digest: String       // openssl dgst flag matching cosign's hash for this key
        var testDescription: String { name }
    }

    static let specs: [KeySpec] = [
        KeySpec(name: "EC P-256 (PKCS#8)", generate: ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"], digest: "-sha256"),
        KeySpec(name: "EC P-384 (SEC 1)", generate: ["ecparam", "-genkey", "-name", "secp384r1", "-noout"], digest: "-sha384"),
        KeySpec(name: "EC P-521 (PKCS#8)", generate: ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-521"], digest: "-sha512"),
        KeySpec(name: "RSA 2048 (PKCS#1)", generate: ["genrsa", "-traditional", "2048"], digest: "-sha256"),
        KeySpec(name: "RSA 3072 (PKCS#8)", generate: ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:3072"], digest: "-sha256"),
        KeySpec(name: "Ed25519 (PKCS#8)", generate: ["genpkey", "-algorithm", "ed25519"], digest: ""),
    ]

    @Test(
        "import-key-pair, sign-blob, and openssl verifies the signature", .enabled(if: Requirement.tool("openssl").shouldRun, "needs openssl"),
        arguments: specs)
    func openssl(spec: KeySpec) async throws {
        try Requirement.tool("openssl").check()
        let dir = try makeTemporaryDirectory()
        let (status, pem) = try runProcess("openssl", spec.generate)
        #expect(status == 0)
        try pem.write(toFile: "\(dir)/raw.pem", atomically: true, encoding: .utf8)
        let imported = await cosign(["import-key-pair", "--key", "\(dir)/raw.pem", "--output-key-prefix", "\(dir)/imp"])
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stderr.contains("Private key written to \(dir)/imp.key"))
        let mode = try FileManager.default.attributesOfItem(atPath: "\(dir)/imp.key")[.posixPermissions] as? Int
        #expect(mode == 0o600)
        // Our public key equals openssl's view of the imported key.
        let (_, opensslPub) = try runProcess("openssl", ["pkey", "-in", "\(dir)/raw.pem", "-pubout"])
        #expect(try String(contentsOfFile: "\(dir)/imp.pub", encoding: .utf8) == opensslPub)

        let blob = "\(dir)/blob.bin"
        _ = FileManager.default.createFile(atPath: blob, contents: Data((0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }))
        let sign = await cosign(["sign-blob", "--key", "\(dir)/imp.key", "--tlog-upload=false", "--new-bundle-format=false",
                                 "--b64=false", "--output-signature", "\(dir)/blob.sig", blob])
        #expect(sign.status == 0, "\(sign.stderr)")
        let verifyArgs: [String]
        if spec.digest.isEmpty {
            verifyArgs = ["pkeyutl", "-verify", "-pubin", "-inkey", "\(dir)/imp.pub", "-rawin", "-in", blob, "-sigfile", "\(dir)/blob.sig"]
        } else {
            verifyArgs = ["dgst", spec.digest, "-verify", "\(dir)/imp.pub", "-signature", "\(dir)/blob.sig", blob]
        }
        let (ok, okOut) = try runProcess("openssl", verifyArgs)
        #expect(ok == 0, "openssl: \(okOut)")
        // openssl refuses the signature over a tampered file.
        var tampered = try Data(contentsOf: URL(fileURLWithPath: blob))
        tampered[500] ^= 0xff
        try tampered.write(to: URL(fileURLWithPath: blob))
        let (bad, _) = try runProcess("openssl", verifyArgs)
        #expect(bad != 0)
        // And so does cosign, with one line.
        let refused = await cosign(["verify-blob", "--key", "\(dir)/imp.pub", "--signature", "\(dir)/blob.sig", "--insecure-ignore-tlog", blob])
        expectOneLineError(refused, containing: "signature")
    }

    @Test(
        "a key we generate decrypts with PyNaCl and hashlib.scrypt",
        .enabled(if: Requirement.pythonModules("nacl.secret", "cryptography").shouldRun, "needs PyNaCl and cryptography"))
    func pynacl() async throws {
        try Requirement.pythonModules("nacl.secret", "cryptography").check()
        let dir = try makeTemporaryDirectory()
        let gen = await cosign(["generate-key-pair", "--output-key-prefix", "\(dir)/cosign"], env: ["COSIGN_PASSWORD": "p@ss word"])
        #expect(gen.status == 0)
        let script = repositoryRoot.appendingPathComponent("Tests/interop/decrypt_cosign_key.py").path
        let (status, output) = try runProcess("python3", [script, "\(dir)/cosign.key", "p@ss word"])
        #expect(status == 0, "\(output)")
        #expect(output == (try String(contentsOfFile: "\(dir)/cosign.pub", encoding: .utf8)))
        let (wrong, _) = try runProcess("python3", [script, "\(dir)/cosign.key", "nope"])
        #expect(wrong != 0)
    }

    @Test("the built binary signs and verifies standard input")
    func standardInput() throws {
        let binary = try #require(cosignBinary(), "no built cosign binary: run swift build first (or set COSIGN_BIN)")
        let dir = try makeTemporaryDirectory()
        let env = ["COSIGN_PASSWORD": "pw"]
        #expect(try runProcess(binary, ["generate-key-pair", "--output-key-prefix", "\(dir)/k"], env: env).0 == 0)
        let payload = Data("streamed from stdin\n".utf8)
        let (s1, o1) = try runProcess(binary, ["sign-blob", "--key", "\(dir)/k.key", "--tlog-upload=false", "--bundle", "\(dir)/b.json", "-"], env: env, stdin: payload)
        #expect(s1 == 0, "\(o1)")
        let (s2, o2) = try runProcess(binary, ["verify-blob", "--key", "\(dir)/k.pub", "--bundle", "\(dir)/b.json", "--insecure-ignore-tlog", "-"], env: env, stdin: payload)
        #expect(s2 == 0, "\(o2)")
        #expect(o2.contains("Verified OK"))
        let (s3, o3) = try runProcess(binary, ["verify-blob", "--key", "\(dir)/k.pub", "--bundle", "\(dir)/b.json", "--insecure-ignore-tlog", "-"], env: env, stdin: Data("other".utf8))
        #expect(s3 == 1, "\(o3)")
    }

    @Test("shared vectors, keys tier: Go cosign's encrypted keys", .enabled(if: Requirement.vectors.shouldRun, "needs the shared vectors: \(Requirement.vectors)"))
    func conformanceKeys() throws {
        let vectors = try Requirement.sharedVectors()
        let binary = try #require(cosignBinary(), "no built cosign binary: run swift build first (or set COSIGN_BIN)")
        let (status, output) = try runProcess(
            "bash", [vectors.appendingPathComponent("run-conformance.sh").path],
            env: ["CLIENT": binary, "TIERS": "keys"])
        #expect(status == 0, "\(output)")
        #expect(output.contains("4 passed, 0 failed"), "\(output)")
    }
}
