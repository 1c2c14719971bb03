import Foundation
import SigstoreJSON
import SigstoreModels
import RegistryTesting
import SigstoreTesting
import Testing

/// Signatures people already hold (cosign's legacy keyless outputs) and trust material a private deployment makes
/// itself (`trusted-root create`, `signing-config create`), against a running sigstore-local.
@Suite("legacy keyless outputs, bundle create, trusted-root and signing-config create against sigstore-local", .serialized)
struct DetachedAndCreatedTrustTests {
    static func pem(_ label: String, _ der: [UInt8]) -> String {
        let b64 = Data(der).base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
        return "-----BEGIN \(label)-----\n\(b64)\n-----END \(label)-----\n"
    }

    @Test("the legacy keyless bundle and the detached signature + certificate (its entry found in Rekor v1) verify; bundle create turns both into bundles cosign and sigstore-python accept")
    func legacyKeyless() async throws {
        let f = try KeylessFixture()
        let env = ["TUF_ROOT": f.dir + "/tuf"]
        let initialize = try CosignBinary.run(["initialize", "--mirror", f.stack["tuf"], "--root", f.stack["tufRoot"]], environment: env)
        #expect(initialize.status == 0, "initialize: \(initialize.output)")
        let blob = try f.write("artifact.txt", "released with a detached keyless signature\n")
        let other = try f.write("other.txt", "not what was signed\n")
        let signed = try CosignBinary.run(
            ["sign-blob", "-y", "--identity-token", try f.token(), "--new-bundle-format=false", "--bundle", f.dir + "/legacy.json",
             "--output-signature", f.dir + "/artifact.sig", "--output-certificate", f.dir + "/artifact.pem", blob] + f.urlFlags(tsa: false))
        #expect(signed.status == 0, "sign-blob: \(signed.output)")
        let identity = ["--certificate-identity", KeylessFixture.email, "--certificate-oidc-issuer", f.issuer]

        // The legacy bundle: certificate, signature and the Rekor SET, checked offline against the TUF trust.
        let legacy = try CosignBinary.run(["verify-blob", "--bundle", f.dir + "/legacy.json"] + identity + [blob], environment: env)
        #expect(legacy.status == 0 && legacy.stderr.contains("Verified OK"), "legacy bundle: \(legacy.output)")
        let legacyWrongID = try CosignBinary.run(
            ["verify-blob", "--bundle", f.dir + "/legacy.json", "--certificate-identity", "mallory@example.com", "--certificate-oidc-issuer", f.issuer, blob],
            environment: env)
        #expect(legacyWrongID.status != 0 && legacyWrongID.stderr.contains("mallory@example.com"), "\(legacyWrongID.output)")
        let legacyOther = try CosignBinary.run(["verify-blob", "--bundle", f.dir + "/legacy.json"] + identity + [other], environment: env)
        #expect(legacyOther.status != 0, "\(legacyOther.output)")

        // The detached pair: the entry is looked up in Rekor v1 as Go cosign does.
        let detachedFlags = ["verify-blob", "--certificate", f.dir + "/artifact.pem", "--signature", f.dir + "/artifact.sig", "--rekor-url", f.stack["rekor"]]
        let detached = try CosignBinary.run(detachedFlags + identity + [blob], environment: env)
        #expect(detached.status == 0 && detached.stderr.contains("Verified OK"), "detached: \(detached.output)")
        #expect(detached.stderr.contains("Flag --certificate has been deprecated"))
        let detachedOther = try CosignBinary.run(detachedFlags + identity + [other], environment: env)
        // Rekor checks a proposed entry before searching (as the public instance does): a signature that does not
        // match the artifact is refused there.
        #expect(detachedOther.status != 0 && detachedOther.stderr.contains("searching log query"), "\(detachedOther.output)")
        let offline = try CosignBinary.run(detachedFlags + identity + ["--offline", blob], environment: env)
        #expect(offline.status != 0 && offline.stderr.contains("offline verification failed"), "\(offline.output)")

        // bundle create: the legacy bundle, and the detached pair, become v0.3 bundles with the inclusion proof.
        for (name, inputs) in [
            ("from-legacy", ["--bundle", f.dir + "/legacy.json"]),
            ("from-detached", ["--signature", f.dir + "/artifact.sig", "--certificate", f.dir + "/artifact.pem"]),
        ] {
            let out = f.dir + "/\(name).sigstore.json"
            let create = try CosignBinary.run(["bundle", "create", "--artifact", blob, "--rekor-url", f.stack["rekor"], "--out", out] + inputs, environment: env)
            #expect(create.status == 0, "bundle create \(name): \(create.output)")
            let bundle = try SigstoreBundle(jsonData: Array(try Data(contentsOf: URL(fileURLWithPath: out))))
            #expect(bundle.mediaType == "application/vnd.dev.sigstore.bundle+json;version=0.3")
            #expect(bundle.verificationMaterial.tlogEntries.first?.inclusionProof != nil)
            let ours = try CosignBinary.run(["verify-blob", "--bundle", out] + identity + [blob], environment: env)
            #expect(ours.status == 0, "verify-blob \(name): \(ours.output)")
            let py = try f.sigstorePython(
                ["verify", "identity", "--offline", "--bundle", out, "--cert-identity", KeylessFixture.email, "--cert-oidc-issuer", f.issuer, blob])
            #expect(py.status == 0 && py.output.contains("OK: "), "sigstore-python \(name): \(py.output)")
        }
        // bundle upgrade: a v0.1 bundle (certificate chain, inclusion promise only) becomes v0.3 with the proof from
        // Rekor; an entry Rekor does not hold at that index is refused.
        var object = try f.json(f.dir + "/from-legacy.sigstore.json")
        var material = try #require(object["verificationMaterial"] as? [String: Any])
        let leaf = try #require(material["certificate"] as? [String: Any])
        material["certificate"] = nil
        material["x509CertificateChain"] = ["certificates": [leaf]]
        var entries = try #require(material["tlogEntries"] as? [[String: Any]])
        entries[0]["inclusionProof"] = nil
        material["tlogEntries"] = entries
        object["verificationMaterial"] = material
        object["mediaType"] = "application/vnd.dev.sigstore.bundle+json;version=0.1"
        try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: f.dir + "/v01.json"))
        let upgraded = try CosignBinary.run(
            ["bundle", "upgrade", "--rekor-url", f.stack["rekor"], "--out", f.dir + "/upgraded.json", f.dir + "/v01.json"], environment: env)
        #expect(upgraded.status == 0 && upgraded.stderr.contains("Upgrading from v0.1 to v0.3..."), "bundle upgrade: \(upgraded.output)")
        let upgradedBundle = try SigstoreBundle(jsonData: Array(try Data(contentsOf: URL(fileURLWithPath: f.dir + "/upgraded.json"))))
        #expect(upgradedBundle.mediaType == SigstoreBundle.mediaTypeV03 && upgradedBundle.verificationMaterial.tlogEntries.first?.inclusionProof != nil)
        #expect(try CosignBinary.run(["verify-blob", "--bundle", f.dir + "/upgraded.json"] + identity + [blob], environment: env).status == 0)
        let pyUpgraded = try f.sigstorePython(
            ["verify", "identity", "--offline", "--bundle", f.dir + "/upgraded.json", "--cert-identity", KeylessFixture.email, "--cert-oidc-issuer", f.issuer, blob])
        #expect(pyUpgraded.status == 0, "sigstore-python on the upgraded bundle: \(pyUpgraded.output)")
        // Another entry in the log, at the next index: its SET and body are not the bundle's.
        let another = try CosignBinary.run(
            ["sign-blob", "-y", "--identity-token", try f.token(), "--bundle", f.dir + "/another.json", other] + f.urlFlags(tsa: false), environment: env)
        #expect(another.status == 0, "\(another.output)")
        let anotherIndex = try #require(try SigstoreBundle(jsonData: Array(try Data(contentsOf: URL(fileURLWithPath: f.dir + "/another.json"))))
            .verificationMaterial.tlogEntries.first?.logIndex.value)
        entries[0]["logIndex"] = String(anotherIndex)
        material["tlogEntries"] = entries
        object["verificationMaterial"] = material
        try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: f.dir + "/v01-other.json"))
        let swapped = try CosignBinary.run(["bundle", "upgrade", "--rekor-url", f.stack["rekor"], f.dir + "/v01-other.json"], environment: env)
        #expect(swapped.status != 0 && swapped.stderr.contains("is not the one the bundle holds"), "\(swapped.output)")

        let both = try CosignBinary.run(
            ["bundle", "create", "--artifact", blob, "--bundle", f.dir + "/legacy.json", "--ignore-tlog", "--out", f.dir + "/x.json"], environment: env)
        #expect(both.status != 0 && both.stderr.contains("cannot ignore transparency log"), "\(both.output)")
    }

    @Test("a key signature logged to Rekor v1: the legacy bundle's SET and the detached signature's entry (found with --rekor-url) verify with --key")
    func legacyKey() async throws {
        let f = try KeylessFixture()
        let env = ["TUF_ROOT": f.dir + "/tuf", "COSIGN_PASSWORD": "pw"]
        #expect(try CosignBinary.run(["initialize", "--mirror", f.stack["tuf"], "--root", f.stack["tufRoot"]], environment: env).status == 0)
        #expect(try CosignBinary.run(["generate-key-pair", "--output-key-prefix", f.dir + "/k"], environment: env).status == 0)
        let blob = try f.write("artifact.txt", "key-signed, logged, legacy outputs\n")
        let sign = try CosignBinary.run(
            ["sign-blob", "-y", "--key", f.dir + "/k.key", "--new-bundle-format=false", "--bundle", f.dir + "/legacy.json", "--output-signature",
             f.dir + "/artifact.sig", blob] + f.urlFlags(tsa: false), environment: env)
        #expect(sign.status == 0, "sign-blob: \(sign.output)")
        #expect(try f.json(f.dir + "/legacy.json")["rekorBundle"] != nil)
        let bundled = try CosignBinary.run(["verify-blob", "--key", f.dir + "/k.pub", "--bundle", f.dir + "/legacy.json", blob], environment: env)
        #expect(bundled.status == 0 && bundled.stderr.contains("Verified OK"), "legacy bundle: \(bundled.output)")
        let detached = try CosignBinary.run(
            ["verify-blob", "--key", f.dir + "/k.pub", "--signature", f.dir + "/artifact.sig", "--rekor-url", f.stack["rekor"], blob], environment: env)
        #expect(detached.status == 0 && detached.stderr.contains("Verified OK"), "detached: \(detached.output)")
        // bundle create: the legacy bundle and the key become a v0.3 bundle with the entry's inclusion proof.
        let created = f.dir + "/created.sigstore.json"
        let create = try CosignBinary.run(
            ["bundle", "create", "--artifact", blob, "--bundle", f.dir + "/legacy.json", "--key", f.dir + "/k.pub", "--rekor-url", f.stack["rekor"],
             "--out", created], environment: env)
        #expect(create.status == 0, "bundle create: \(create.output)")
        let fromCreated = try CosignBinary.run(["verify-blob", "--key", f.dir + "/k.pub", "--bundle", created, blob], environment: env)
        #expect(fromCreated.status == 0, "verify-blob of the created bundle: \(fromCreated.output)")
        // Another key: the SET still verifies, the signature does not.
        #expect(try CosignBinary.run(["generate-key-pair", "--output-key-prefix", f.dir + "/k2"], environment: env).status == 0)
        let other = try CosignBinary.run(["verify-blob", "--key", f.dir + "/k2.pub", "--bundle", f.dir + "/legacy.json", blob], environment: env)
        #expect(other.status != 0, "\(other.output)")
    }

    @Test("an Ed25519 key with Rekor v1 signs Ed25519ph: the log accepts it, cosign verifies both bundle formats, PyNaCl checks the signature as Ed25519ph (issue 17)")
    func ed25519WithLog() async throws {
        let f = try KeylessFixture(registry: true)
        let env = ["TUF_ROOT": f.dir + "/tuf", "COSIGN_PASSWORD": "pw"]
        #expect(try CosignBinary.run(["initialize", "--mirror", f.stack["tuf"], "--root", f.stack["tufRoot"]], environment: env).status == 0)
        let pkcs8 = try shell(["openssl", "genpkey", "-algorithm", "ed25519", "-out", f.dir + "/ed.pem"])
        #expect(pkcs8.status == 0, "openssl: \(pkcs8.output)")
        let imported = try CosignBinary.run(["import-key-pair", "--key", f.dir + "/ed.pem", "--output-key-prefix", f.dir + "/ed"], environment: env)
        #expect(imported.status == 0, "import-key-pair: \(imported.output)")
        let blob = try f.write("artifact.txt", "signed with an Ed25519 key and logged\n")
        let changed = try f.write("changed.txt", "signed with an Ed25519 key and logged!\n")

        // The new bundle format: a hashedrekord entry over the SHA-512 digest, the signature Ed25519ph.
        let bundle = f.dir + "/artifact.sigstore.json"
        let sign = try CosignBinary.run(
            ["sign-blob", "-y", "--key", f.dir + "/ed.key", "--bundle", bundle, blob] + f.urlFlags(tsa: false), environment: env)
        #expect(sign.status == 0, "sign-blob: \(sign.output)")
        let json = try f.json(bundle)
        let content = try #require(json["messageSignature"] as? [String: Any])
        let digest = try #require(content["messageDigest"] as? [String: Any])
        #expect(digest["algorithm"] as? String == "SHA2_512")
        let signature = try #require(content["signature"] as? String)
        let entry = try #require(((json["verificationMaterial"] as? [String: Any])?["tlogEntries"] as? [[String: Any]])?.first)
        let bodyText = try #require(entry["canonicalizedBody"] as? String)
        let body = try #require(Data(base64Encoded: bodyText))
        let rekord = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
        let hash = try #require(((rekord["spec"] as? [String: Any])?["data"] as? [String: Any])?["hash"] as? [String: Any])
        #expect(rekord["kind"] as? String == "hashedrekord" && hash["algorithm"] as? String == "sha512", "\(rekord)")

        let checker = URL(fileURLWithPath: Paths.package).deletingLastPathComponent().path + "/Tests/interop/ed25519ph_check.py"
        let independent = try shell(["python3", checker, f.dir + "/ed.pub", signature, blob])
        #expect(independent.status == 0 && independent.output.contains("ed25519ph"), "PyNaCl: \(independent.output)")

        let verified = try CosignBinary.run(["verify-blob", "--key", f.dir + "/ed.pub", "--bundle", bundle, blob], environment: env)
        #expect(verified.status == 0 && verified.stderr.contains("Verified OK"), "verify-blob: \(verified.output)")
        let refused = try CosignBinary.run(["verify-blob", "--key", f.dir + "/ed.pub", "--bundle", bundle, changed], environment: env)
        #expect(refused.status != 0, "a changed artifact: \(refused.output)")

        // The legacy outputs: the bundle's SET and the detached signature's entry found in Rekor.
        let legacy = f.dir + "/legacy.json"
        let legacySign = try CosignBinary.run(
            ["sign-blob", "-y", "--key", f.dir + "/ed.key", "--new-bundle-format=false", "--bundle", legacy, "--output-signature",
             f.dir + "/artifact.sig", blob] + f.urlFlags(tsa: false), environment: env)
        #expect(legacySign.status == 0, "sign-blob (legacy): \(legacySign.output)")
        let legacySignature = try String(contentsOfFile: f.dir + "/artifact.sig", encoding: .utf8)
        let legacyIndependent = try shell(["python3", checker, f.dir + "/ed.pub", legacySignature, blob])
        #expect(legacyIndependent.output.contains("ed25519ph"), "PyNaCl (legacy): \(legacyIndependent.output)")
        let bundled = try CosignBinary.run(["verify-blob", "--key", f.dir + "/ed.pub", "--bundle", legacy, blob], environment: env)
        #expect(bundled.status == 0 && bundled.stderr.contains("Verified OK"), "legacy bundle: \(bundled.output)")
        let detached = try CosignBinary.run(
            ["verify-blob", "--key", f.dir + "/ed.pub", "--signature", f.dir + "/artifact.sig", "--rekor-url", f.stack["rekor"], blob],
            environment: env)
        #expect(detached.status == 0 && detached.stderr.contains("Verified OK"), "detached: \(detached.output)")
        let detachedChanged = try CosignBinary.run(
            ["verify-blob", "--key", f.dir + "/ed.pub", "--signature", f.dir + "/artifact.sig", "--rekor-url", f.stack["rekor"], changed],
            environment: env)
        #expect(detachedChanged.status != 0, "detached, changed artifact: \(detachedChanged.output)")

        // Without a log the key signs pure Ed25519, as Go cosign does for compatibility with older verifiers.
        let unlogged = try CosignBinary.run(
            ["sign-blob", "-y", "--key", f.dir + "/ed.key", "--tlog-upload=false", "--new-bundle-format=false", "--output-signature",
             f.dir + "/pure.sig", blob], environment: env)
        #expect(unlogged.status == 0, "sign-blob --tlog-upload=false: \(unlogged.output)")
        let pure = try shell(["python3", checker, f.dir + "/ed.pub", try String(contentsOfFile: f.dir + "/pure.sig", encoding: .utf8), blob])
        #expect(pure.output.contains("pure"), "PyNaCl (unlogged): \(pure.output)")

        // Images: the legacy .sig layer (hashedrekord, Ed25519ph over the simple-signing payload) and the bundle
        // scheme (a DSSE envelope, pure Ed25519, a v1 dsse entry) both verify with the key; another key is refused.
        let registry = f.registry!
        let imageDigest = try await TestImage().push(with: try registry.client(), to: try registry.reference("ed", tag: "v1"))
        let imageRef = "\(registry.host)/ed@\(imageDigest)"
        for scheme in [["--new-bundle-format=false"], []] {
            let signImage = try CosignBinary.run(
                ["sign", "-y", "--key", f.dir + "/ed.key", "--allow-http-registry"] + scheme + f.urlFlags(tsa: false) + [imageRef], environment: env)
            #expect(signImage.status == 0, "sign \(scheme): \(signImage.output)")
            let verifyImage = try CosignBinary.run(
                ["verify", "--key", f.dir + "/ed.pub", "--allow-http-registry"] + scheme + [imageRef], environment: env)
            #expect(verifyImage.status == 0 && verifyImage.stdout.contains(imageDigest), "verify \(scheme): \(verifyImage.output)")
        }
        #expect(try CosignBinary.run(["generate-key-pair", "--output-key-prefix", f.dir + "/other"], environment: env).status == 0)
        let otherKey = try CosignBinary.run(["verify", "--key", f.dir + "/other.pub", "--allow-http-registry", imageRef], environment: env)
        #expect(otherKey.status != 0, "another key: \(otherKey.output)")
    }

    @Test(
        "--timestamp-client-cacert/-cert/-key and --timestamp-server-name: the timestamp authority behind a TLS front that demands a client certificate and whose certificate names tsa.test (socat) stamps the signature; without the certificate, the CA or the name, signing fails",
        .enabled(if: Requirement.tool("socat").shouldRun, "needs socat"))
    func timestampMutualTLS() async throws {
        let f = try KeylessFixture()
        let d = f.dir
        for args in [
            ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "\(d)/ca.key", "-out", "\(d)/ca.pem", "-days", "2", "-subj", "/CN=TSA front CA"],
            ["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "\(d)/server.key", "-out", "\(d)/server.csr", "-subj", "/CN=127.0.0.1"],
            ["x509", "-req", "-in", "\(d)/server.csr", "-CA", "\(d)/ca.pem", "-CAkey", "\(d)/ca.key", "-CAcreateserial", "-out", "\(d)/server.pem", "-days", "2", "-extfile", "\(d)/san.cnf"],
            ["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "\(d)/client.key", "-out", "\(d)/client.csr", "-subj", "/CN=signer"],
            ["x509", "-req", "-in", "\(d)/client.csr", "-CA", "\(d)/ca.pem", "-CAkey", "\(d)/ca.key", "-CAcreateserial", "-out", "\(d)/client.pem", "-days", "2"],
        ] {
            if args.contains("-extfile") { _ = try f.write("san.cnf", "subjectAltName=DNS:tsa.test\n") }
            let (status, output) = try shell(["openssl"] + args)
            #expect(status == 0, "openssl: \(output)")
        }
        let tsa = try #require(URL(string: f.stack["tsa"]))
        let port = try freePort()
        let front = Process()
        front.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        front.arguments = [
            "socat", "OPENSSL-LISTEN:\(port),bind=127.0.0.1,reuseaddr,fork,cert=\(d)/server.pem,key=\(d)/server.key,cafile=\(d)/ca.pem,verify=1",
            "TCP:127.0.0.1:\(tsa.port ?? 0)",
        ]
        front.standardOutput = FileHandle.nullDevice
        front.standardError = FileHandle.nullDevice
        try front.run()
        defer {
            kill(front.processIdentifier, SIGKILL)
            front.waitUntilExit()
        }
        for _ in 0..<100 {
            if (try? shell(["bash", "-c", "echo > /dev/tcp/127.0.0.1/\(port)"]).status) == 0 { break }
            usleep(50_000)
        }

        let blob = try f.write("artifact.txt", "timestamped through mutual TLS\n")
        let tsaFlags = ["--timestamp-server-url", "https://127.0.0.1:\(port)/api/v1/timestamp"]
        func sign(_ extra: [String]) throws -> CosignBinary.Result {
            try CosignBinary.run(
                ["sign-blob", "-y", "--identity-token", try f.token(), "--bundle", d + "/artifact.sigstore.json", blob] + f.urlFlags(tsa: false) + tsaFlags + extra)
        }
        let client = [
            "--timestamp-client-cacert", "\(d)/ca.pem", "--timestamp-client-cert", "\(d)/client.pem", "--timestamp-client-key", "\(d)/client.key",
        ]
        let signed = try sign(client + ["--timestamp-server-name", "tsa.test"])
        #expect(signed.status == 0, "sign-blob: \(signed.output)")
        let stamped = try f.json(d + "/artifact.sigstore.json")["verificationMaterial"] as? [String: Any]
        #expect(stamped?["timestampVerificationData"] != nil)
        let verify = try CosignBinary.run(["verify-blob", "--bundle", d + "/artifact.sigstore.json", "--use-signed-timestamps"] + f.identityFlags + [blob])
        #expect(verify.status == 0, "verify-blob: \(verify.output)")
        let noName = try sign(client)
        #expect(noName.status != 0, "\(noName.output)")
        let noCertificate = try sign(["--timestamp-client-cacert", "\(d)/ca.pem", "--timestamp-server-name", "tsa.test"])
        #expect(noCertificate.status != 0, "\(noCertificate.output)")
        let noCA = try sign(["--timestamp-client-cert", "\(d)/client.pem", "--timestamp-client-key", "\(d)/client.key", "--timestamp-server-name", "tsa.test"])
        #expect(noCA.status != 0, "\(noCA.output)")
        let half = try sign(["--timestamp-client-cert", "\(d)/client.pem"])
        #expect(half.status != 0 && half.stderr.contains("must be given together"), "\(half.output)")
    }

    @Test("trusted-root create and signing-config create from the stack's keys and URLs: cosign and sigstore-python sign and verify with what they write")
    func createdTrust() async throws {
        let f = try KeylessFixture()
        let stackRoot = try TrustedRoot(jsonData: Array(try Data(contentsOf: URL(fileURLWithPath: f.data + "/trusted_root.json"))))
        func write(_ name: String, _ text: String) throws -> String { try f.write(name, text) }
        func start(_ range: TimeRange?) -> String { TimeRange.formatRFC3339(range?.start ?? Date(timeIntervalSince1970: 0)) }

        var args = ["trusted-root", "create", "--out", f.dir + "/created_root.json"]
        for (i, ca) in stackRoot.certificateAuthorities.enumerated() {
            let chain = try write("fulcio-\(i).pem", ca.certificateChain.map { Self.pem("CERTIFICATE", $0) }.joined())
            args += ["--fulcio", "url=\(ca.uri ?? ""),certificate-chain=\(chain)"]
        }
        for (i, log) in stackRoot.tlogs.enumerated() {
            let key = try write("rekor-\(i).pub", Self.pem("PUBLIC KEY", log.publicKey.rawBytes))
            var spec = "url=\(log.baseURL),public-key=\(key),start-time=\(start(log.publicKey.validFor))"
            if log.publicKey.keyDetails == "PKIX_ED25519" { spec += ",origin=\(URL(string: log.baseURL)?.host ?? "")" }
            args += ["--rekor", spec]
        }
        for (i, log) in stackRoot.ctlogs.enumerated() {
            let key = try write("ctfe-\(i).pub", Self.pem("PUBLIC KEY", log.publicKey.rawBytes))
            args += ["--ctfe", "url=\(log.baseURL),public-key=\(key),start-time=\(start(log.publicKey.validFor))"]
        }
        for (i, tsa) in stackRoot.timestampAuthorities.enumerated() {
            let chain = try write("tsa-\(i).pem", tsa.certificateChain.map { Self.pem("CERTIFICATE", $0) }.joined())
            args += ["--tsa", "url=\(tsa.uri ?? ""),certificate-chain=\(chain)"]
        }
        let root = try CosignBinary.run(args)
        #expect(root.status == 0, "trusted-root create: \(root.output)")
        let created = try TrustedRoot(jsonData: Array(try Data(contentsOf: URL(fileURLWithPath: f.dir + "/created_root.json"))))
        #expect(Set(created.tlogs.map(\.logID)) == Set(stackRoot.tlogs.map(\.logID)), "log IDs (Rekor v2: the checkpoint key ID of its origin)")
        #expect(Set(created.ctlogs.map(\.logID)) == Set(stackRoot.ctlogs.map(\.logID)))
        let mode = try FileManager.default.attributesOfItem(atPath: f.dir + "/created_root.json")[.posixPermissions] as? Int
        #expect(mode == 0o600)

        let since = "2020-01-01T00:00:00Z"
        let config = try CosignBinary.run([
            "signing-config", "create", "--out", f.dir + "/created_signing.json",
            "--fulcio", "url=\(f.stack["fulcio"]),api-version=1,start-time=\(since),operator=sigstore-local",
            "--oidc-provider", "url=\(f.issuer),api-version=1,start-time=\(since),operator=sigstore-local",
            "--rekor", "url=\(f.stack["rekor"]),api-version=1,start-time=\(since),operator=sigstore-local", "--rekor-config", "ANY",
            "--tsa", "url=\(f.stack["tsa"])/api/v1/timestamp,api-version=1,start-time=\(since),operator=sigstore-local", "--tsa-config", "any",
        ])
        #expect(config.status == 0, "signing-config create: \(config.output)")
        let configText = try String(contentsOfFile: f.dir + "/created_signing.json", encoding: .utf8)
        #expect(configText.contains(#""rekorTlogConfig":{"selector":"ANY"}"#) && configText.contains(#""tsaConfig":{"selector":"ANY"}"#), Comment(rawValue: configText))

        // cosign signs and verifies with the created files.
        let blob = try f.write("artifact.txt", "signed with hand-made trust material\n")
        let bundle = f.dir + "/cosign.sigstore.json"
        let sign = try CosignBinary.run([
            "sign-blob", "-y", "--identity-token", try f.token(), "--bundle", bundle, "--trusted-root", f.dir + "/created_root.json",
            "--signing-config", f.dir + "/created_signing.json", blob,
        ])
        #expect(sign.status == 0, "sign-blob: \(sign.output)")
        let verify = try CosignBinary.run([
            "verify-blob", "--bundle", bundle, "--trusted-root", f.dir + "/created_root.json", "--certificate-identity", KeylessFixture.email,
            "--certificate-oidc-issuer", f.issuer, blob,
        ])
        #expect(verify.status == 0, "verify-blob: \(verify.output)")

        // sigstore-python takes the same two documents as a ClientTrustConfig.
        let rootJSON = try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: f.dir + "/created_root.json"))))
        let signingJSON = try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: f.dir + "/created_signing.json"))))
        let trustConfig = OrderedJSON.object([
            ("mediaType", .string("application/vnd.dev.sigstore.clienttrustconfig.v0.1+json")), ("trustedRoot", rootJSON), ("signingConfig", signingJSON),
        ])
        let trustPath = try write("created_trust_config.json", String(decoding: trustConfig.serialized(), as: UTF8.self))
        func python(_ arguments: [String]) throws -> (status: Int32, output: String) {
            try shell(["python3", "-m", "sigstore", "--trust-config", trustPath] + arguments)
        }
        let pyBundle = f.dir + "/python.sigstore.json"
        let pySign = try python(["sign", "--identity-token", try f.token(), "--bundle", pyBundle, blob])
        #expect(pySign.status == 0, "sigstore-python sign: \(pySign.output)")
        for path in [bundle, pyBundle] {
            let py = try python(["verify", "identity", "--offline", "--bundle", path, "--cert-identity", KeylessFixture.email, "--cert-oidc-issuer", f.issuer, blob])
            #expect(py.status == 0 && py.output.contains("OK: "), "sigstore-python verify \(path): \(py.output)")
        }
        let ours = try CosignBinary.run([
            "verify-blob", "--bundle", pyBundle, "--trusted-root", f.dir + "/created_root.json", "--certificate-identity", KeylessFixture.email,
            "--certificate-oidc-issuer", f.issuer, blob,
        ])
        #expect(ours.status == 0, "verify-blob of sigstore-python's bundle: \(ours.output)")
    }
}
