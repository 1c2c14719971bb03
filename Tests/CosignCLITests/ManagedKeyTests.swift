import Foundation
import KeyServiceTesting
import RegistryTesting
import SigstoreTesting
import Testing

/// One managed-key provider as the tests drive it: the server, the reference of a key on it, and how cosign runs.
private struct Provider: Sendable {
    let name: String
    let reference: String
    let env: [String: String]
    /// PKCS#11 modules read their configuration from the process environment: those runs use the binary.
    let inProcess: Bool
    let stop: @Sendable () -> Void

    func run(_ args: [String], env extra: [String: String] = [:]) async -> RunResult {
        let env = self.env.merging(extra) { $1 }
        if inProcess { return await cosign(args, env: env) }
        return runBinary(args, env: env)
    }
}

/// Runs the built cosign with `env` added to this process's environment; stdout and stderr apart.
private func runBinary(_ args: [String], env: [String: String]) -> RunResult {
    guard let binary = cosignBinary() else { return RunResult(status: 127, stdout: "", stderr: "cosign binary not built") }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: binary)
    process.arguments = args
    process.environment = ProcessInfo.processInfo.environment.merging(env) { $1 }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    do { try process.run() } catch { return RunResult(status: 127, stdout: "", stderr: "\(error)") }
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return RunResult(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
}

private enum Kind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case aws, vault, pkcs11, gcp, azure
    var testDescription: String { rawValue }

    var requirements: [Requirement] {
        switch self {
        case .aws: MotoKMS.requirements
        case .vault: OpenBaoTransit.requirements
        case .pkcs11: SoftHSMToken.requirements + [Requirement("the cosign binary (swift build)") { cosignBinary() != nil }]
        case .gcp, .azure: CloudKMSFakes.requirements
        }
    }

    var available: Bool { requirements.allSatisfy(\.shouldRun) }

    /// Starts the provider and creates a P-256 key there: with `generate-key-pair --kms` for the KMSs (checking
    /// what it writes), with OpenSC's `pkcs11-tool` for the token.
    func start(in dir: String) async throws -> Provider {
        for requirement in requirements { try requirement.check() }
        switch self {
        case .aws:
            let moto = try MotoKMS()
            let provider = Provider(
                name: "aws", reference: "awskms://\(moto.endpoint)/alias/cosign-test", env: moto.environment, inProcess: true, stop: { moto.stop() })
            try await Self.generate(provider, dir: dir)
            return provider
        case .vault:
            let bao = try OpenBaoTransit()
            let provider = Provider(name: "vault", reference: "hashivault://cosign", env: bao.environment, inProcess: true, stop: { bao.stop() })
            try await Self.generate(provider, dir: dir)
            return provider
        case .pkcs11:
            let token = try SoftHSMToken()
            try token.generateKey(type: "EC:prime256v1", label: "signing-key", id: "01")
            let reference = "pkcs11:token=\(SoftHSMToken.label);object=signing-key?module-path=\(SoftHSMToken.modulePath)&pin-value=\(SoftHSMToken.pin)"
            return Provider(name: "pkcs11", reference: reference, env: token.environment, inProcess: false, stop: { token.stop() })
        case .gcp:
            let fakes = try CloudKMSFakes()
            let provider = Provider(
                name: "gcp", reference: "gcpkms://projects/test-project/locations/global/keyRings/cosign/cryptoKeys/signing",
                env: fakes.gcpEnvironment, inProcess: true, stop: { fakes.stop() })
            try await Self.generate(provider, dir: dir)
            return provider
        case .azure:
            let fakes = try CloudKMSFakes()
            let provider = Provider(
                name: "azure", reference: "azurekms://\(fakes.host)/signing", env: fakes.azureEnvironment, inProcess: true, stop: { fakes.stop() })
            try await Self.generate(provider, dir: dir)
            return provider
        }
    }

    static func generate(_ provider: Provider, dir: String) async throws {
        let generated = await provider.run(["generate-key-pair", "--kms", provider.reference, "--output-key-prefix", "\(dir)/kms"])
        #expect(generated.status == 0, "\(generated.stderr)")
        #expect(generated.stderr.contains("Public key written to \(dir)/kms.pub"))
        let attributes = try FileManager.default.attributesOfItem(atPath: "\(dir)/kms.pub")
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/kms.key"), "no private key leaves the KMS")
        // Creating it again keeps the key.
        let again = await provider.run(["generate-key-pair", "--kms", provider.reference, "--output-key-prefix", "\(dir)/again"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try String(contentsOfFile: "\(dir)/again.pub", encoding: .utf8) == String(contentsOfFile: "\(dir)/kms.pub", encoding: .utf8))
    }
}

@Suite("managed keys: AWS KMS (moto), Vault transit (OpenBao), PKCS#11 (SoftHSM2), GCP and Azure (fakes)")
struct ManagedKeyTests {
    @Test(
        "a KMS or token key signs blobs, images and attestations; openssl and the exported PEM verify",
        arguments: Kind.allCases.filter(\.available))
    fileprivate func endToEnd(kind: Kind) async throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let provider = try await kind.start(in: dir)
        defer { provider.stop() }
        let ref = provider.reference

        // The public key, as the provider reports it.
        let exported = await provider.run(["public-key", "--key", ref, "--outfile", "\(dir)/pub.pem"])
        #expect(exported.status == 0, "\(exported.stderr)")
        if kind != .pkcs11 {
            #expect(try String(contentsOfFile: "\(dir)/pub.pem", encoding: .utf8) == String(contentsOfFile: "\(dir)/kms.pub", encoding: .utf8))
        }

        // A blob: openssl checks the signature with the exported key; cosign with the reference and with the PEM.
        let blob = "\(dir)/blob.txt"
        try "managed keys sign what they are given\n".write(toFile: blob, atomically: true, encoding: .utf8)
        let signed = await provider.run([
            "sign-blob", "--key", ref, "--tlog-upload=false", "--new-bundle-format=false", "--output-signature", "\(dir)/blob.sig", "-y", blob,
        ])
        #expect(signed.status == 0, "\(signed.stderr)")
        let signature = Data(base64Encoded: try String(contentsOfFile: "\(dir)/blob.sig", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines))
        try #require(signature != nil)
        try signature!.write(to: URL(fileURLWithPath: "\(dir)/blob.der"))
        let (opensslStatus, opensslOut) = try runProcess(
            "openssl", ["dgst", "-sha256", "-verify", "\(dir)/pub.pem", "-signature", "\(dir)/blob.der", blob])
        #expect(opensslStatus == 0, "\(opensslOut)")
        for key in [ref, "\(dir)/pub.pem"] {
            let verified = await provider.run(["verify-blob", "--key", key, "--signature", "\(dir)/blob.sig", "--insecure-ignore-tlog", blob])
            #expect(verified.status == 0, "\(key): \(verified.stderr)")
        }
        try "changed\n".write(toFile: "\(dir)/changed.txt", atomically: true, encoding: .utf8)
        let changed = await provider.run(["verify-blob", "--key", ref, "--signature", "\(dir)/blob.sig", "--insecure-ignore-tlog", "\(dir)/changed.txt"])
        #expect(changed.status != 0)

        // A bundle, too.
        let bundled = await provider.run(["sign-blob", "--key", ref, "--tlog-upload=false", "--bundle", "\(dir)/blob.bundle", "-y", blob])
        #expect(bundled.status == 0, "\(bundled.stderr)")
        let bundleVerified = await provider.run(["verify-blob", "--key", "\(dir)/pub.pem", "--bundle", "\(dir)/blob.bundle", "--insecure-ignore-tlog", blob])
        #expect(bundleVerified.status == 0, "\(bundleVerified.stderr)")

        // Images, both storage schemes, and an attestation.
        let registry = try TestRegistry(.plain)
        defer { registry.stop() }
        let client = try registry.client()
        let predicate = "\(dir)/predicate.json"
        try #"{"builder":{"id":"https://example.com/builder"}}"#.write(toFile: predicate, atomically: true, encoding: .utf8)
        for legacy in [false, true] {
            let repo = legacy ? "legacy" : "bundle"
            let digest = try await TestImage().push(with: client, to: try registry.reference(repo, tag: "v1"))
            let image = "\(registry.host)/\(repo)@\(digest)"
            let scheme = legacy ? ["--new-bundle-format=false"] : []
            let sign = await provider.run(["sign", "--key", ref, "--tlog-upload=false", "-y"] + scheme + [image])
            #expect(sign.status == 0, "\(provider.name) legacy=\(legacy): \(sign.stderr)")
            for key in [ref, "\(dir)/pub.pem"] {
                let verify = await provider.run(["verify", "--key", key, "--insecure-ignore-tlog", image])
                #expect(verify.status == 0, "\(provider.name) legacy=\(legacy) \(key): \(verify.stderr)")
            }
            let attest = await provider.run(
                ["attest", "--key", ref, "--tlog-upload=false", "-y", "--predicate", predicate, "--type", "slsaprovenance"] + scheme + [image])
            #expect(attest.status == 0, "\(provider.name) legacy=\(legacy): \(attest.stderr)")
            let verifyAttestation = await provider.run(
                ["verify-attestation", "--key", "\(dir)/pub.pem", "--insecure-ignore-tlog", "--type", "slsaprovenance", image])
            #expect(verifyAttestation.status == 0, "\(provider.name) legacy=\(legacy): \(verifyAttestation.stderr)")
        }

        // An in-toto attestation of a blob.
        let attestBlob = await provider.run([
            "attest-blob", "--key", ref, "--tlog-upload=false", "--predicate", predicate, "--type", "slsaprovenance", "--bundle", "\(dir)/att.bundle", "-y",
            blob,
        ])
        #expect(attestBlob.status == 0, "\(attestBlob.stderr)")
        let attestVerified = await provider.run([
            "verify-blob-attestation", "--key", ref, "--bundle", "\(dir)/att.bundle", "--insecure-ignore-tlog", "--type", "slsaprovenance", blob,
        ])
        #expect(attestVerified.status == 0, "\(attestVerified.stderr)")
    }

    /// Signs a blob with `reference` (a key made with the provider's own tool), exports its public key, and has
    /// openssl and cosign verify the signature with it.
    private func expectSignsAndVerifies(
        _ provider: Provider, _ reference: String, digest: String = "-sha256", env: [String: String] = [:], dir: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let tag = UUID().uuidString
        let blob = "\(dir)/blob.txt"
        let signed = await provider.run(
            ["sign-blob", "--key", reference, "--tlog-upload=false", "--new-bundle-format=false", "--output-signature", "\(dir)/\(tag).sig", "-y", blob],
            env: env)
        #expect(signed.status == 0, "\(signed.stderr)", sourceLocation: sourceLocation)
        let exported = await provider.run(["public-key", "--key", reference, "--outfile", "\(dir)/\(tag).pem"], env: env)
        #expect(exported.status == 0, "\(exported.stderr)", sourceLocation: sourceLocation)
        let text = try String(contentsOfFile: "\(dir)/\(tag).sig", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        try #require(Data(base64Encoded: text)).write(to: URL(fileURLWithPath: "\(dir)/\(tag).der"))
        let (status, out) = try runProcess("openssl", ["dgst", digest, "-verify", "\(dir)/\(tag).pem", "-signature", "\(dir)/\(tag).der", blob])
        #expect(status == 0, "openssl: \(out)", sourceLocation: sourceLocation)
        let verified = await cosign(["verify-blob", "--key", "\(dir)/\(tag).pem", "--signature", "\(dir)/\(tag).sig", "--insecure-ignore-tlog", blob])
        #expect(verified.status == 0, "\(verified.stderr)", sourceLocation: sourceLocation)
    }

    /// Runs `sign-blob` with `reference` and expects one error line containing `fragment`, no bundle written, and
    /// none of the secrets in the output.
    private func expectRefused(
        _ provider: Provider, _ reference: String, env: [String: String] = [:], _ fragment: String, dir: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async {
        let out = "\(dir)/refused-\(UUID().uuidString).json"
        let result = await provider.run(["sign-blob", "--key", reference, "--tlog-upload=false", "--bundle", out, "-y", "\(dir)/blob.txt"], env: env)
        expectOneLineError(result, containing: fragment, sourceLocation: sourceLocation)
        #expect(!FileManager.default.fileExists(atPath: out), "a failed signing wrote \(out)", sourceLocation: sourceLocation)
        for secret in [SoftHSMToken.pin, MotoKMS.secret, OpenBaoTransit.rootToken, CloudKMSFakes.azureClientSecret, "pin-wrong-0000", "PRIVATE KEY"] {
            #expect(!(result.stdout + result.stderr).contains(secret), "output shows a secret: \(result.stderr)", sourceLocation: sourceLocation)
        }
    }

    @Test("AWS KMS failures: unreachable, unknown key, a key that cannot sign, persistent throttling, malformed references",
          .enabled(if: Kind.aws.available))
    func awsFailures() async throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "x\n".write(toFile: "\(dir)/blob.txt", atomically: true, encoding: .utf8)
        let moto = try MotoKMS()
        defer { moto.stop() }
        let provider = Provider(name: "aws", reference: "", env: moto.environment, inProcess: true, stop: {})
        let closedPort = try ClosedPort()
        defer { withExtendedLifetime(closedPort) {} }
        let closed = closedPort.port
        await expectRefused(provider, "awskms://127.0.0.1:\(closed)/alias/cosign-test", "AWS KMS unreachable", dir: dir)
        await expectRefused(provider, "awskms://\(moto.endpoint)/alias/missing", "NotFoundException", dir: dir)
        await expectRefused(
            provider, "awskms://\(moto.endpoint)/1234abcd-12ab-34cd-56ef-1234567890ab", "NotFoundException", dir: dir)
        // A symmetric key exists but cannot sign.
        let symmetric = try moto.boto3(#"print(kms.create_key(KeySpec="SYMMETRIC_DEFAULT", KeyUsage="ENCRYPT_DECRYPT")["KeyMetadata"]["KeyId"])"#)
        await expectRefused(provider, "awskms://\(moto.endpoint)/\(symmetric)", "cannot sign", dir: dir)
        // A key made with the provider's own tooling signs.
        for spec in ["ECC_NIST_P384", "RSA_2048"] {
            let made = try moto.boto3(#"print(kms.create_key(KeySpec="\#(spec)", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["Arn"])"#)
            try await expectSignsAndVerifies(provider, "awskms://\(moto.endpoint)/\(made)", digest: spec == "ECC_NIST_P384" ? "-sha384" : "-sha256", dir: dir)
        }
        // Throttling that outlasts the retries.
        let throttling = try ThrottlingKMS()
        defer { throttling.stop() }
        await expectRefused(
            provider, "awskms://\(throttling.endpoint)/alias/cosign-test", env: ["AWS_CA_BUNDLE": throttling.caBundle], "ThrottlingException: Rate exceeded",
            dir: dir)
        #expect(throttling.requests == 3, "requests: \(throttling.requests)")
        // No credentials, no region.
        await expectRefused(
            provider, "awskms://\(moto.endpoint)/alias/cosign-test", env: ["AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "HOME": dir],
            "no credentials", dir: dir)
        await expectRefused(
            provider, "awskms://\(moto.endpoint)/alias/cosign-test", env: ["AWS_REGION": "", "AWS_DEFAULT_REGION": "", "HOME": dir], "no region", dir: dir)
        // Malformed references are refused before anything is sent.
        for bad in ["awskms://", "awskms://host", "awskms:///not-a-key", "awskms:///arn:aws:kms:us-east-1:12:key/1234abcd-12ab-34cd-56ef-1234567890ab", "awskms:///alias/"] {
            await expectRefused(provider, bad, "kms specification should be in the format awskms://", dir: dir)
        }
        let create = await provider.run(["generate-key-pair", "--kms", "awskms://\(moto.endpoint)/1234abcd-12ab-34cd-56ef-1234567890ab", "--output-key-prefix", "\(dir)/x"])
        expectOneLineError(create, containing: "must use alias key format")
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/x.pub"))
    }

    @Test("Vault transit failures: unreachable, wrong token, unknown key, a key that cannot sign, malformed references",
          .enabled(if: Kind.vault.available))
    func vaultFailures() async throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "x\n".write(toFile: "\(dir)/blob.txt", atomically: true, encoding: .utf8)
        let bao = try OpenBaoTransit()
        defer { bao.stop() }
        try bao.request("POST", "transit/keys/cosign", #"{"type":"ecdsa-p256"}"#)
        try bao.request("POST", "transit/keys/aes", #"{"type":"aes256-gcm96"}"#)
        try bao.request("POST", "transit/keys/rsa", #"{"type":"rsa-3072"}"#)
        try bao.request("POST", "transit/keys/p521", #"{"type":"ecdsa-p521"}"#)
        // A key made with the provider's own API signs.
        let provider = Provider(name: "vault", reference: "", env: bao.environment, inProcess: true, stop: {})
        let signed = await provider.run(["sign-blob", "--key", "hashivault://cosign", "--tlog-upload=false", "--bundle", "\(dir)/ok.json", "-y", "\(dir)/blob.txt"])
        #expect(signed.status == 0, "\(signed.stderr)")
        try await expectSignsAndVerifies(provider, "hashivault://rsa", dir: dir)
        try await expectSignsAndVerifies(provider, "hashivault://p521", digest: "-sha512", dir: dir)
        let closedPort = try ClosedPort()
        defer { withExtendedLifetime(closedPort) {} }
        let closed = closedPort.port
        await expectRefused(provider, "hashivault://cosign", env: ["VAULT_ADDR": "http://127.0.0.1:\(closed)"], "Vault unreachable", dir: dir)
        await expectRefused(provider, "hashivault://cosign", env: ["VAULT_TOKEN": "wrong-token"], "permission denied", dir: dir)
        await expectRefused(provider, "hashivault://missing", "could not read data from transit key path: /transit/keys/missing", dir: dir)
        await expectRefused(provider, "hashivault://aes", "cannot sign", dir: dir)
        await expectRefused(provider, "hashivault://cosign", env: ["VAULT_ADDR": "", "BAO_ADDR": ""], "VAULT_ADDR or BAO_ADDR is not set", dir: dir)
        for bad in ["hashivault://", "hashivault://a/b", "hashivault://-key", "hashivault://key."] {
            await expectRefused(provider, bad, "kms specification should be in the format hashivault://<key>", dir: dir)
        }
    }

    @Test("PKCS#11 failures: wrong PIN, no PIN, unknown key or token, a missing module, an unsupported curve, malformed URIs",
          .enabled(if: Kind.pkcs11.available))
    func pkcs11Failures() async throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "x\n".write(toFile: "\(dir)/blob.txt", atomically: true, encoding: .utf8)
        let token = try SoftHSMToken()
        defer { token.stop() }
        try token.generateKey(type: "EC:prime256v1", label: "signing-key", id: "01")
        try token.generateKey(type: "EC:secp256k1", label: "k1-key", id: "02")
        try token.generateKey(type: "rsa:2048", label: "rsa-key", id: "03")
        try token.generateKey(type: "EC:secp384r1", label: "p384-key", id: "04")
        let provider = Provider(name: "pkcs11", reference: "", env: token.environment, inProcess: false, stop: {})
        let module = SoftHSMToken.modulePath
        try await expectSignsAndVerifies(
            provider, "pkcs11:token=\(SoftHSMToken.label);id=%03?module-path=\(module)", env: ["COSIGN_PKCS11_PIN": SoftHSMToken.pin], dir: dir)
        try await expectSignsAndVerifies(
            provider, "pkcs11:token=\(SoftHSMToken.label);object=p384-key?module-path=\(module)&pin-value=\(SoftHSMToken.pin)", digest: "-sha384",
            dir: dir)
        let base = "pkcs11:token=\(SoftHSMToken.label);object=signing-key?module-path=\(module)"
        await expectRefused(provider, base + "&pin-value=pin-wrong-0000", "CKR_PIN_INCORRECT", dir: dir)
        await expectRefused(provider, base, env: ["COSIGN_PKCS11_PIN": "pin-wrong-0000"], "CKR_PIN_INCORRECT", dir: dir)
        await expectRefused(provider, base, "needs a PIN", dir: dir)
        await expectRefused(
            provider, "pkcs11:token=\(SoftHSMToken.label);object=missing?module-path=\(module)&pin-value=\(SoftHSMToken.pin)",
            "no key pair found for id=\"\" label=\"missing\"", dir: dir)
        await expectRefused(
            provider, "pkcs11:token=nosuch;object=signing-key?module-path=\(module)&pin-value=\(SoftHSMToken.pin)",
            "could not find a slot for the token 'nosuch'", dir: dir)
        await expectRefused(
            provider, "pkcs11:token=\(SoftHSMToken.label);object=signing-key?module-path=/nonexistent/module.so&pin-value=\(SoftHSMToken.pin)",
            "does not exist", dir: dir)
        await expectRefused(
            provider, "pkcs11:token=\(SoftHSMToken.label);object=k1-key?module-path=\(module)&pin-value=\(SoftHSMToken.pin)",
            "not P-256, P-384 or P-521", dir: dir)
        for (bad, message) in [
            ("pkcs11:object=signing-key?module-path=\(module)", "one of token and slot-id must be set"),
            ("pkcs11:token=t?module-path=\(module)", "one of object and id must be set"),
            ("pkcs11:token=t;object=o", "module-path or COSIGN_PKCS11_MODULE_PATH must be set"),
            ("pkcs11:token=t;object=o?module-path=relative.so", "absolute path"),
            ("pkcs11:slot-id=x;object=o?module-path=\(module)", "slot-id 'x' is not a valid number"),
        ] {
            await expectRefused(provider, bad, message, dir: dir)
        }
        // A key made by pkcs11-tool is listed by list-keys-uris, and the URI listed signs.
        let listed = await provider.run([
            "pkcs11-tool", "list-keys-uris", "--module-path", module, "--slot-id", try token.slotID(), "--pin", SoftHSMToken.pin,
        ])
        #expect(listed.status == 0, "\(listed.stderr)")
        #expect(listed.stdout.contains("Label: signing-key"), "\(listed.stdout)")
        let uri = try #require(listed.stdout.split(separator: "\n").first { $0.contains("URI:") && $0.contains("id=%01") }).split(separator: " ").last.map(String.init)
        #expect(!listed.stdout.contains(SoftHSMToken.pin), "listed URIs carry no PIN")
        let signed = await provider.run(
            ["sign-blob", "--key", try #require(uri), "--tlog-upload=false", "--bundle", "\(dir)/listed.json", "-y", "\(dir)/blob.txt"],
            env: ["COSIGN_PKCS11_PIN": SoftHSMToken.pin])
        #expect(signed.status == 0, "\(signed.stderr)")
        let tokens = await provider.run(["pkcs11-tool", "list-tokens", "--module-path", module])
        #expect(tokens.status == 0, "\(tokens.stderr)")
        #expect(tokens.stdout.contains("\tLabel: \(SoftHSMToken.label)\n\tManufacturer: SoftHSM project\n"), "\(tokens.stdout)")
    }

    @Test("GCP Cloud KMS (fake): a key made outside cosign signs with one remote call per signature; failures refused",
          .enabled(if: Kind.gcp.available))
    func gcpFailures() async throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "x\n".write(toFile: "\(dir)/blob.txt", atomically: true, encoding: .utf8)
        let fakes = try CloudKMSFakes()
        defer { fakes.stop() }
        let ring = "projects/p/locations/global/keyRings/r"
        try fakes.addKey("gcp", #"{"name":"\#(ring)/cryptoKeys/p384","algorithm":"EC_SIGN_P384_SHA384"}"#)
        try fakes.addKey("gcp", #"{"name":"\#(ring)/cryptoKeys/pss","algorithm":"RSA_SIGN_PSS_2048_SHA256"}"#)
        try fakes.addKey("gcp", #"{"name":"\#(ring)/cryptoKeys/sym","algorithm":"GOOGLE_SYMMETRIC_ENCRYPTION","purpose":"ENCRYPT_DECRYPT"}"#)
        let provider = Provider(name: "gcp", reference: "", env: fakes.gcpEnvironment, inProcess: true, stop: {})
        // Three blobs, one process: one token, one public key, one signature per blob.
        for name in ["b1", "b2"] { try name.write(toFile: "\(dir)/\(name)", atomically: true, encoding: .utf8) }
        let pinned = "gcpkms://\(ring)/cryptoKeys/p384/cryptoKeyVersions/1"
        let signed = await provider.run(
            ["sign-blob", "--key", pinned, "--tlog-upload=false", "--new-bundle-format=false", "-y", "\(dir)/blob.txt", "\(dir)/b1", "\(dir)/b2"])
        #expect(signed.status == 0, "\(signed.stderr)")
        #expect(fakes.requests(containing: ":asymmetricSign") == 3)
        #expect(fakes.requests(containing: "/publicKey") == 1)
        #expect(fakes.requests(containing: "/google/token") == 1)
        let unpinned = await provider.run(["public-key", "--key", "gcpkms://\(ring)/cryptoKeys/p384"])
        #expect(unpinned.status == 0 && unpinned.stdout.contains("BEGIN PUBLIC KEY"), "\(unpinned.stderr)")
        await expectRefused(provider, "gcpkms://\(ring)/cryptoKeys/missing", "NOT_FOUND", dir: dir)
        await expectRefused(provider, "gcpkms://\(ring)/cryptoKeys/sym", "specified key cannot be used to sign", dir: dir)
        await expectRefused(provider, "gcpkms://\(ring)/cryptoKeys/pss", "RSA_SIGN_PSS_2048_SHA256, which cosign does not sign with", dir: dir)
        let closedPort = try ClosedPort()
        defer { withExtendedLifetime(closedPort) {} }
        let closed = closedPort.port
        await expectRefused(
            provider, pinned, env: ["CLOUDSDK_API_ENDPOINT_OVERRIDES_CLOUDKMS": "https://127.0.0.1:\(closed)/", "GOOGLE_OAUTH_ACCESS_TOKEN": "t"],
            "GCP KMS unreachable", dir: dir)
        await expectRefused(provider, pinned, env: ["GOOGLE_OAUTH_ACCESS_TOKEN": "forged"], "UNAUTHENTICATED", dir: dir)
        await expectRefused(provider, pinned, env: ["GOOGLE_APPLICATION_CREDENTIALS": ""], "no credentials", dir: dir)
        // A service-account key the token endpoint does not know.
        let (status, other) = try runProcess("openssl", ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"])
        try #require(status == 0)
        var account = try JSONDecoder().decode([String: String].self, from: Data(contentsOf: URL(fileURLWithPath: fakes.serviceAccountFile)))
        account["private_key"] = other
        try JSONEncoder().encode(account).write(to: URL(fileURLWithPath: "\(dir)/forged.json"))
        await expectRefused(provider, pinned, env: ["GOOGLE_APPLICATION_CREDENTIALS": "\(dir)/forged.json"], "refused the service account", dir: dir)
        for bad in ["gcpkms://", "gcpkms://projects/p", "gcpkms://projects/p/locations/l/keyRings/r/cryptoKeys/", "gcpkms://projects/p/locations/l/keyRings/r/cryptoKeys/k/cryptoKeyVersions/"] {
            await expectRefused(provider, bad, "kms specification should be in the format gcpkms://", dir: dir)
        }
    }

    @Test("Azure Key Vault (fake): an RSA key made outside cosign signs; failures refused", .enabled(if: Kind.azure.available))
    func azureFailures() async throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "x\n".write(toFile: "\(dir)/blob.txt", atomically: true, encoding: .utf8)
        let fakes = try CloudKMSFakes()
        defer { fakes.stop() }
        try fakes.addKey("azure", #"{"name":"rsa","kty":"RSA-HSM"}"#)
        try fakes.addKey("azure", #"{"name":"p384","kty":"EC","crv":"P-384"}"#)
        try fakes.addKey("azure", #"{"name":"secret","kty":"oct"}"#)
        try fakes.addKey("azure", #"{"name":"verify-only","kty":"EC","crv":"P-256","key_ops":["verify"]}"#)
        let provider = Provider(name: "azure", reference: "", env: fakes.azureEnvironment, inProcess: true, stop: {})
        for key in ["rsa", "p384"] {
            let reference = "azurekms://\(fakes.host)/\(key)"
            let signed = await provider.run(["sign-blob", "--key", reference, "--tlog-upload=false", "--bundle", "\(dir)/\(key).json", "-y", "\(dir)/blob.txt"])
            #expect(signed.status == 0, "\(key): \(signed.stderr)")
            let exported = await provider.run(["public-key", "--key", reference, "--outfile", "\(dir)/\(key).pem"])
            #expect(exported.status == 0, "\(exported.stderr)")
            let verified = await cosign(["verify-blob", "--key", "\(dir)/\(key).pem", "--bundle", "\(dir)/\(key).json", "--insecure-ignore-tlog", "\(dir)/blob.txt"])
            #expect(verified.status == 0, "\(key): \(verified.stderr)")
        }
        await expectRefused(provider, "azurekms://\(fakes.host)/missing", "KeyNotFound", dir: dir)
        await expectRefused(provider, "azurekms://\(fakes.host)/secret", "of type oct: it cannot sign", dir: dir)
        await expectRefused(provider, "azurekms://\(fakes.host)/verify-only", "does not allow the sign operation", dir: dir)
        await expectRefused(provider, "azurekms://\(fakes.host)/rsa", env: ["AZURE_CLIENT_SECRET": "wrong"], "Invalid client secret", dir: dir)
        await expectRefused(provider, "azurekms://\(fakes.host)/rsa", env: ["AZURE_TENANT_ID": ""], "no credentials", dir: dir)
        let closedPort = try ClosedPort()
        defer { withExtendedLifetime(closedPort) {} }
        let closed = closedPort.port
        await expectRefused(provider, "azurekms://127.0.0.1:\(closed)/rsa", "unreachable", dir: dir)
        for bad in ["azurekms://", "azurekms://vault", "azurekms://vault/key/VERSION", "azurekms://vault/key/v/extra"] {
            await expectRefused(provider, bad, "kms specification should be in the format azurekms://", dir: dir)
        }
    }
}
