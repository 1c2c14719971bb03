import Crypto
import Foundation
import SigstoreJSON
import SigstoreModels
import SigstoreTesting
import SigstoreTUF
import Testing
import SwiftASN1
import X509

/// Trust over TUF against the `sigstore-local` process: python-tuf, our `Updater` and sigstore-python read the served
/// repository; `rotate` replaces keys while old bundles keep verifying; a killed server comes back at the same URLs;
/// bad input to `rotate` and `serve` is one error line and changes nothing.
@Suite("trust over TUF against sigstore-local", .serialized)
struct TrustOverTUFTests {
    static let email = "alice@example.com"

    /// A data directory in a scratch directory, and the stack serving it (restartable).
    final class Instance: @unchecked Sendable {
        let tmp: TemporaryDirectory
        var stack: StackProcess?
        var data: String { tmp.path + "/data" }

        init() throws {
            tmp = try TemporaryDirectory("tuf-test")
            stack = try StackProcess(dataDirectory: tmp.path + "/data")
        }

        /// The running stack.
        var running: StackProcess {
            get throws {
                guard let stack else { throw HarnessError("the stack is not running") }
                return stack
            }
        }

        func stop(signal: Int32 = SIGTERM) {
            stack?.stop(signal: signal)
            stack = nil
        }

        func start(_ arguments: [String] = []) throws {
            stop()
            stack = try StackProcess(dataDirectory: data, arguments: arguments)
        }

        func token() throws -> String {
            try run(Paths.binary, ["token", "--data-dir", data, "--email", TrustOverTUFTests.email]).output
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }

        func write(_ name: String, _ text: String) throws -> String {
            let path = tmp.path + "/" + name
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            return path
        }

        deinit { stop(signal: SIGKILL) }
    }

    /// Runs a program with stdout and stderr kept apart (through files, so neither pipe can fill up).
    static func runSeparately(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws
        -> (status: Int32, stdout: String, stderr: String)
    {
        let scratch = try TemporaryDirectory("run")
        let out = scratch.path + "/out", err = scratch.path + "/err"
        _ = FileManager.default.createFile(atPath: out, contents: nil)
        _ = FileManager.default.createFile(atPath: err, contents: nil)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = FileHandle(forWritingAtPath: out)
        p.standardError = FileHandle(forWritingAtPath: err)
        try p.run()
        p.waitUntilExit()
        let read = { (path: String) in (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }
        return (p.terminationStatus, read(out), read(err))
    }

    /// `sigstore-local rotate`; its JSON line on success.
    static func rotate(_ instance: Instance, _ service: String) throws -> OrderedJSON {
        let result = try runSeparately(Paths.binary, ["rotate", "--data-dir", instance.data, "--service", service])
        guard result.status == 0, let json = try? JSONParser.parse(Array(result.stdout.utf8)) else {
            throw HarnessError("rotate --service \(service) exited \(result.status): \(result.stderr)")
        }
        return json
    }

    /// Our TUF client over HTTP, with its cache in `cache` (created), bootstrapped from the stack's `tufRoot`.
    static func updater(_ stack: StackProcess, cache: String) throws -> Updater {
        try FileManager.default.createDirectory(atPath: cache + "/metadata", withIntermediateDirectories: true)
        guard let mirror = URL(string: stack["tuf"]), let targets = URL(string: stack["tuf"] + "/targets") else {
            throw HarnessError("no tuf url in the ready line")
        }
        return Updater(
            configuration: .init(
                metadataDirectory: URL(fileURLWithPath: cache + "/metadata"), metadataBaseURL: mirror, targetsBaseURL: targets,
                bootstrapRoot: Array(try Data(contentsOf: URL(fileURLWithPath: stack["tufRoot"])))),
            fetcher: HTTPFetcher())
    }

    /// Downloads `name` with `updater` into `cache`.
    static func download(_ name: String, _ updater: Updater, cache: String) async throws -> [UInt8] {
        let target = try #require(try await updater.targetInfo(for: name), "\(name) is a target")
        return try await updater.download(target: target, to: URL(fileURLWithPath: cache + "/" + target.localFileName))
    }

    static func bytes(_ path: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: path))) }

    /// The newest `V.targets.json` in the instance's repository.
    static func newestTargets(_ instance: Instance) throws -> Int? {
        try FileManager.default.contentsOfDirectory(atPath: instance.data + "/tuf/repository")
            .compactMap { $0.hasSuffix(".targets.json") ? Int($0.dropLast(".targets.json".count)) : nil }.max()
    }

    static func version(_ path: String) throws -> Int? { try JSONParser.parse(try bytes(path))["signed"]?["version"]?.int }

    /// python-tuf's ngclient: refreshes from `root` and downloads `targets`; answers each target's local path.
    static let pythonTUF = """
        import json, sys
        from tuf.ngclient import Updater
        url, root, metadata, targets = sys.argv[1:5]
        updater = Updater(metadata_dir=metadata, metadata_base_url=url, target_base_url=url + "/targets/",
                          target_dir=targets, bootstrap=open(root, "rb").read())
        updater.refresh()
        found = {}
        for name in sys.argv[5:]:
            info = updater.get_targetinfo(name)
            found[name] = None if info is None else updater.download_target(info)
        print(json.dumps({"found": found, "targets": updater._trusted_set.targets.version}))
        """

    // MARK: - Clients

    @Test(
        "python-tuf and our Updater refresh the served repository from tufRoot and download both targets",
        .enabled(if: Requirement.pythonModules("tuf").shouldRun, "needs \(Requirement.pythonModules("tuf"))"))
    func clientsReadTheRepository() async throws {
        try Requirement.pythonModules("tuf").check()
        let instance = try Instance()
        let stack = try instance.running
        #expect(stack["tufRoot"] == instance.data + "/tuf/root.json")
        #expect(stack["tuf"].hasPrefix("http://127.0.0.1:"))
        let expected = [
            "trusted_root.json": try Self.bytes(instance.data + "/trusted_root.json"),
            "signing_config.v0.2.json": try Self.bytes(instance.data + "/signing_config.json"),
        ]
        // python-tuf.
        let script = try instance.write("python_tuf.py", Self.pythonTUF)
        for sub in ["ptuf/metadata", "ptuf/targets"] {
            try FileManager.default.createDirectory(atPath: instance.tmp.path + "/" + sub, withIntermediateDirectories: true)
        }
        let python = try shell([
            "python3", script, stack["tuf"], stack["tufRoot"], instance.tmp.path + "/ptuf/metadata", instance.tmp.path + "/ptuf/targets",
            "trusted_root.json", "signing_config.v0.2.json", "absent.json",
        ])
        #expect(python.status == 0, "python-tuf: \(python.output)")
        let answer = try JSONParser.parse(Array(python.output.utf8))
        for (name, content) in expected {
            let path = try #require(answer["found"]?[name]?.string, "python-tuf found \(name)")
            #expect(try Self.bytes(path) == content, "python-tuf's \(name) is the data directory's")
        }
        #expect(answer["found"]?["absent.json"].map { if case .null = $0 { true } else { false } } == true)
        // Our client.
        let cache = instance.tmp.path + "/swift-tuf"
        let updater = try Self.updater(stack, cache: cache)
        for (name, content) in expected {
            #expect(try await Self.download(name, updater, cache: cache) == content, "Updater's \(name) is the data directory's")
        }
        #expect(try await updater.targetInfo(for: "absent.json") == nil)
        // The repository on disk is Sigstore's CDN layout.
        let repository = instance.data + "/tuf/repository"
        for name in ["1.root.json", "timestamp.json", "1.snapshot.json", "1.targets.json"] {
            #expect(FileManager.default.fileExists(atPath: repository + "/" + name), "\(name)")
        }
        let targets = try FileManager.default.contentsOfDirectory(atPath: repository + "/targets")
        #expect(targets.map { String($0.dropFirst(65)) }.sorted() == ["signing_config.v0.2.json", "trusted_root.json"])
        for (name, content) in expected {
            let digest = SHA256.hash(data: content).map { String(format: "%02x", $0) }.joined()
            #expect(targets.contains("\(digest).\(name)"), "targets/<sha256>.\(name)")
        }
        #expect(try Self.bytes(stack["tufRoot"]) == Self.bytes(repository + "/1.root.json"))
    }

    @Test(
        "sigstore-python trusts the instance through TUF (trust-instance, --instance), signs and verifies",
        .enabled(if: Requirement.pythonModules("sigstore").shouldRun, "needs \(Requirement.pythonModules("sigstore"))"))
    func sigstorePythonThroughTUF() async throws {
        try Requirement.pythonModules("sigstore").check()
        let instance = try Instance()
        let stack = try instance.running
        // sigstore-python keeps TUF state under the XDG directories: one pair per test.
        let environment = [
            "XDG_DATA_HOME": instance.tmp.path + "/xdg-data", "XDG_CACHE_HOME": instance.tmp.path + "/xdg-cache",
            "HOME": instance.tmp.path,
        ]
        func sigstore(_ arguments: [String]) throws -> (status: Int32, output: String) {
            try shell(["python3", "-m", "sigstore", "--instance", stack["tuf"]] + arguments, environment: environment)
        }
        let trust = try sigstore(["trust-instance", stack["tufRoot"]])
        #expect(trust.status == 0, "trust-instance: \(trust.output)")
        let artifact = try instance.write("artifact.txt", "signed with trust from TUF\n")
        let bundle = instance.tmp.path + "/artifact.sigstore.json"
        let sign = try sigstore(["sign", "--identity-token", try instance.token(), "--bundle", bundle, artifact])
        #expect(sign.status == 0, "sign: \(sign.output)")
        let verify = try sigstore([
            "verify", "identity", "--bundle", bundle, "--cert-identity", Self.email, "--cert-oidc-issuer", stack["oidc"], artifact,
        ])
        #expect(verify.status == 0 && verify.output.contains("OK: "), "verify: \(verify.output)")
        let wrong = try sigstore([
            "verify", "identity", "--bundle", bundle, "--cert-identity", "mallory@example.com", "--cert-oidc-issuer", stack["oidc"], artifact,
        ])
        #expect(wrong.status != 0)
        // The trust material came through the repository: sigstore-python's verified copies are the data directory's.
        let quoted = try #require(stack["tuf"].addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))))
        let cached = instance.tmp.path + "/xdg-cache/sigstore-python/tuf/" + quoted
        #expect(try Self.bytes(cached + "/trusted_root.json") == Self.bytes(instance.data + "/trusted_root.json"))
        #expect(try Self.bytes(cached + "/signing_config.v0.2.json") == Self.bytes(instance.data + "/signing_config.json"))
    }

    /// The root package's library example for sigstore-local (`swift build` builds it beside cosign).
    static var exampleBinary: String {
        URL(fileURLWithPath: CosignBinary.path).deletingLastPathComponent().appendingPathComponent("sigstore-local-example").path
    }

    @Test("the library example (Examples/sigstore-local): SigstoreInstance reads trust and services through TUF, signs keyless, verifies; cosign accepts the bundle; a wrong TUF root is refused")
    func libraryExample() async throws {
        let instance = try Instance()
        let stack = try instance.running
        let artifact = try instance.write("artifact.txt", "signed by the library example\n")
        let token = try instance.write("token", try instance.token())
        let bundle = instance.tmp.path + "/artifact.sigstore.json"
        let signed = try Self.runSeparately(Self.exampleBinary, [stack["tuf"], stack["tufRoot"], token, artifact, bundle])
        #expect(signed.status == 0 && signed.stdout.hasPrefix("signed and verified: \(Self.email) (issuer \(stack["oidc"]))"), "\(signed)")
        // An independent check of the same bundle: cosign, trusting the stack through the same TUF repository.
        let environment = ["TUF_ROOT": instance.tmp.path + "/tuf-cache"]
        let initialize = try CosignBinary.run(["initialize", "--mirror", stack["tuf"], "--root", stack["tufRoot"]], environment: environment)
        #expect(initialize.status == 0, "initialize: \(initialize.output)")
        let verified = try CosignBinary.run(
            ["verify-blob", "--bundle", bundle, "--certificate-identity", Self.email, "--certificate-oidc-issuer", stack["oidc"], artifact],
            environment: environment)
        #expect(verified.status == 0, "cosign verify-blob: \(verified.output)")
        // The root of another instance: TUF refuses this repository's metadata (signed by none of its keys), nothing is signed.
        let other = try TemporaryDirectory("other-root")
        let otherStack = try StackProcess(dataDirectory: other.path + "/data")
        let refused = try Self.runSeparately(
            Self.exampleBinary, [stack["tuf"], otherStack["tufRoot"], token, artifact, instance.tmp.path + "/refused.sigstore.json"])
        otherStack.stop()
        #expect(refused.status == 1 && refused.stdout.hasPrefix("failed: ") && refused.stdout.contains("signed by 0 of"), "\(refused)")
        #expect(!FileManager.default.fileExists(atPath: instance.tmp.path + "/refused.sigstore.json"))
    }

    @Test("cosign initialize --mirror <tuf> --root <tufRoot>: then sign-blob and verify-blob need no trust flags, and a rotation reaches cosign through TUF without initialize")
    func cosignThroughTUF() async throws {
        let instance = try Instance()
        let before = try instance.running
        var environment = ["TUF_ROOT": instance.tmp.path + "/tuf-cache"]
        let initialize = try CosignBinary.run(["initialize", "--mirror", before["tuf"], "--root", before["tufRoot"]], environment: environment)
        #expect(initialize.status == 0, "initialize: \(initialize.output)")
        let artifact = try instance.write("artifact.txt", "signed with trust from TUF\n")
        func sign(_ bundle: String) throws -> CosignBinary.Result {
            try CosignBinary.run(["sign-blob", "-y", "--identity-token", try instance.token(), "--bundle", bundle, artifact], environment: environment)
        }
        func verify(_ bundle: String) throws -> CosignBinary.Result {
            try CosignBinary.run(
                ["verify-blob", "--bundle", bundle, "--certificate-identity", Self.email, "--certificate-oidc-issuer", before["oidc"], artifact],
                environment: environment)
        }
        let old = instance.tmp.path + "/old.sigstore.json"
        let signed = try sign(old)
        #expect(signed.status == 0, "sign-blob: \(signed.output)")
        let verified = try verify(old)
        #expect(verified.status == 0 && verified.stderr.contains("Verified OK"), "verify-blob: \(verified.output)")

        instance.stop()
        _ = try Self.rotate(instance, "rekor-v2")
        try instance.start()
        // Within the cache validity (24h by default) swift-cosign answers from its cache; past it (here: a validity of
        // 0, Go cosign's policy of refreshing on every command) it refreshes and picks the rotation up through TUF,
        // without `cosign initialize`. The old bundle still verifies, a new one is logged under the new key.
        let cachedRoot = try FileManager.default.contentsOfDirectory(atPath: instance.tmp.path + "/tuf-cache")
            .filter { !$0.hasSuffix(".json") }.map { instance.tmp.path + "/tuf-cache/\($0)/targets/trusted_root.json" }.first ?? ""
        #expect(try Self.bytes(cachedRoot) != Self.bytes(instance.data + "/trusted_root.json"), "the cache still holds the trusted root from before")
        environment["TUF_CACHE_VALIDITY"] = "0"
        let verifiedOld = try verify(old)
        #expect(try Self.bytes(cachedRoot) == Self.bytes(instance.data + "/trusted_root.json"), "the refresh brought the rotated trusted root")
        #expect(verifiedOld.status == 0, "the old bundle after the rotation: \(verifiedOld.output)")
        let new = instance.tmp.path + "/new.sigstore.json"
        let signedNew = try sign(new)
        #expect(signedNew.status == 0, "sign-blob after the rotation: \(signedNew.output)")
        #expect(try verify(new).status == 0)
        let logs = try TrustedRoot(jsonData: try Self.bytes(instance.data + "/trusted_root.json")).tlogs.filter { $0.baseURL == before["rekor-v2"] }
        #expect(logs.count == 2)
        #expect(try SigstoreBundle(jsonData: try Self.bytes(old)).verificationMaterial.tlogEntries.first?.logID.bytes == logs.first?.logID)
        #expect(try SigstoreBundle(jsonData: try Self.bytes(new)).verificationMaterial.tlogEntries.first?.logID.bytes == logs.last?.logID)
    }

    // MARK: - Rotation

    @Test(
        "rotate: bundles made before still verify, new ones use the new key, targets go up by one and a client sees it",
        arguments: ["rekor", "fulcio"])
    func rotation(service: String) async throws {
        let instance = try Instance()
        let before = try instance.running
        let cache = instance.tmp.path + "/client"
        let client = try Self.updater(before, cache: cache)
        #expect(try await Self.download("trusted_root.json", client, cache: cache) == Self.bytes(instance.data + "/trusted_root.json"))
        let targetsBefore = try #require(try Self.newestTargets(instance))
        let artifact = try instance.write("artifact.txt", "signed before and after a rotation\n")
        // Rekor v1 and the TSA from flags (so a Rekor v1 key signs the entry), Fulcio for the certificate.
        func sign(_ bundle: String, _ stack: StackProcess) throws -> CosignBinary.Result {
            try CosignBinary.run([
                "sign-blob", "-y", "--identity-token", try instance.token(), "--bundle", bundle, "--use-signing-config=false",
                "--fulcio-url", stack["fulcio"], "--rekor-url", stack["rekor"], "--oidc-issuer", stack["oidc"],
                "--timestamp-server-url", stack["tsa"] + "/api/v1/timestamp", "--trusted-root", instance.data + "/trusted_root.json",
                artifact,
            ])
        }
        func verify(_ bundle: String) throws -> CosignBinary.Result {
            try CosignBinary.run([
                "verify-blob", "--bundle", bundle, "--certificate-identity", Self.email, "--certificate-oidc-issuer", before["oidc"],
                "--trusted-root", instance.data + "/trusted_root.json", artifact,
            ])
        }
        let old = instance.tmp.path + "/old.sigstore.json"
        let signed = try sign(old, before)
        #expect(signed.status == 0, "sign-blob before: \(signed.output)")
        let oldRoot = try TrustedRoot(jsonData: try Self.bytes(instance.data + "/trusted_root.json"))

        instance.stop()
        let outcome = try Self.rotate(instance, service)
        #expect(outcome["authority"]?.string == service && outcome["generation"]?.int == 2)
        #expect(outcome["tufTargetsVersion"]?.int == targetsBefore + 1, "\(outcome)")
        try instance.start()
        let after = try instance.running
        #expect(after.urls == before.urls, "the stack comes back at the same URLs")
        #expect(try Self.newestTargets(instance) == targetsBefore + 1, "the restart publishes nothing more")

        let newRoot = try TrustedRoot(jsonData: try Self.bytes(instance.data + "/trusted_root.json"))
        let verifiedOld = try verify(old)
        #expect(verifiedOld.status == 0 && verifiedOld.stderr.contains("Verified OK"), "the old bundle: \(verifiedOld.output)")
        let new = instance.tmp.path + "/new.sigstore.json"
        let signedNew = try sign(new, after)
        #expect(signedNew.status == 0, "sign-blob after: \(signedNew.output)")
        let verifiedNew = try verify(new)
        #expect(verifiedNew.status == 0 && verifiedNew.stderr.contains("Verified OK"), "the new bundle: \(verifiedNew.output)")

        let oldBundle = try SigstoreBundle(jsonData: try Self.bytes(old))
        let newBundle = try SigstoreBundle(jsonData: try Self.bytes(new))
        switch service {
        case "rekor":
            let logs = newRoot.tlogs.filter { $0.baseURL == after["rekor"] }
            #expect(logs.count == 2)
            #expect(logs.first?.publicKey.validFor?.end != nil && logs.last?.publicKey.validFor?.end == nil)
            #expect(logs.first?.publicKey.validFor?.end == logs.last?.publicKey.validFor?.start)
            #expect(oldBundle.verificationMaterial.tlogEntries.first?.logID.bytes == logs.first?.logID, "logged under the old key")
            #expect(newBundle.verificationMaterial.tlogEntries.first?.logID.bytes == logs.last?.logID, "logged under the new key")
            #expect(oldRoot.tlogs.first { $0.baseURL == before["rekor"] }?.logID == logs.first?.logID)
        default:
            let cas = newRoot.certificateAuthorities
            #expect(cas.count == 2)
            #expect(cas.first?.validFor?.end != nil && cas.last?.validFor?.end == nil)
            #expect(cas.first?.certificateChain == oldRoot.certificateAuthorities.first?.certificateChain)
            func issuedBy(_ bundle: SigstoreBundle, _ authority: CertificateAuthority?) throws -> Bool {
                let leaf = try Certificate(derEncoded: try #require(bundle.leafCertificateDER))
                let issuer = try Certificate(derEncoded: try #require(authority?.certificateChain.first))
                return issuer.publicKey.isValidSignature(leaf.signature, for: leaf)
            }
            #expect(try issuedBy(oldBundle, cas.first) && !issuedBy(oldBundle, cas.last), "issued by the old CA")
            #expect(try issuedBy(newBundle, cas.last) && !issuedBy(newBundle, cas.first), "issued by the new CA")
        }

        // The client initialised before the rotation sees the new trusted root on refresh.
        let refreshed = try Self.updater(after, cache: cache)
        try await refreshed.refresh()
        #expect(try Self.version(cache + "/metadata/targets.json") == targetsBefore + 1)
        #expect(try await Self.download("trusted_root.json", refreshed, cache: cache) == Self.bytes(instance.data + "/trusted_root.json"))
    }

    // MARK: - Restart

    @Test("SIGKILL, then a plain restart: the same URLs, no new TUF versions, and a token minted before still signs")
    func restartAfterKill() async throws {
        let instance = try Instance()
        let before = try instance.running
        let token = try instance.token()
        let repository = TrustRepositoryTests.contents(instance.data + "/tuf")
        instance.stop(signal: SIGKILL)
        try instance.start()
        let after = try instance.running
        #expect(after.urls == before.urls)
        #expect(TrustRepositoryTests.contents(instance.data + "/tuf") == repository, "nothing is re-published")
        let artifact = try instance.write("artifact.txt", "signed after a restart\n")
        let bundle = instance.tmp.path + "/artifact.sigstore.json"
        let sign = try CosignBinary.run([
            "sign-blob", "-y", "--identity-token", token, "--bundle", bundle, "--signing-config", instance.data + "/signing_config.json",
            "--trusted-root", instance.data + "/trusted_root.json", artifact,
        ])
        #expect(sign.status == 0, "a token from before the restart: \(sign.output)")
        let verify = try CosignBinary.run([
            "verify-blob", "--bundle", bundle, "--certificate-identity", Self.email, "--certificate-oidc-issuer", after["oidc"],
            "--trusted-root", instance.data + "/trusted_root.json", artifact,
        ])
        #expect(verify.status == 0, "\(verify.output)")
    }

    // MARK: - Bad input

    @Test("rotate with an unknown service, a missing data directory, or while the server runs: one error line, nothing changed")
    func rotateRefuses() throws {
        let instance = try Instance()
        let watched = ["keys", "tuf", "trusted_root.json", "signing_config.json", "trust_config.json", "services.json", "ports.json"]
        func state() -> [String: Data] {
            var all: [String: Data] = [:]
            for name in watched {
                let path = instance.data + "/" + name
                if let data = FileManager.default.contents(atPath: path) {
                    all[name] = data
                } else {
                    for (sub, data) in TrustRepositoryTests.contents(path) { all[name + "/" + sub] = data }
                }
            }
            return all
        }
        let initial = state()
        let cases: [(String, [String], String)] = [
            ("unknown service", ["--data-dir", instance.data, "--service", "rekor-v3"], "unknown --service rekor-v3"),
            ("missing data directory", ["--data-dir", instance.tmp.path + "/absent", "--service", "rekor"], "does not exist"),
            ("server running", ["--data-dir", instance.data, "--service", "fulcio"], "stop it before rotating"),
        ]
        for (what, arguments, message) in cases {
            let result = try Self.runSeparately(Paths.binary, ["rotate"] + arguments)
            #expect(result.status != 0, "\(what)")
            #expect(result.stdout.isEmpty, "\(what): \(result.stdout)")
            let lines = result.stderr.split(separator: "\n")
            #expect(lines.count == 1 && lines.first?.hasPrefix("sigstore-local: ") == true && result.stderr.contains(message), "\(what): \(result.stderr)")
            #expect(state() == initial, "\(what): the data directory is unchanged")
        }
        #expect(!FileManager.default.fileExists(atPath: instance.tmp.path + "/absent"))
        // A directory serve never ran on.
        let empty = instance.tmp.path + "/empty"
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        let never = try Self.runSeparately(Paths.binary, ["rotate", "--data-dir", empty, "--service", "tsa"])
        #expect(never.status != 0 && never.stderr.split(separator: "\n").count == 1 && never.stderr.contains("not a sigstore-local data directory"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: empty).isEmpty)
    }

    @Test("a remembered port that is taken is one error line; a port flag moves the service")
    func rememberedPortTaken() throws {
        let instance = try Instance()
        let before = try instance.running
        instance.stop()
        let port = try #require(before["fulcio"].split(separator: ":").last.flatMap { Int($0) })
        // Hold the port.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        try #require(bound == 0 && listen(fd, 1) == 0, "the test holds port \(port)")
        let result = try Self.runSeparately(Paths.binary, ["serve", "--data-dir", instance.data])
        #expect(result.status != 0 && result.stdout.isEmpty)
        let lines = result.stderr.split(separator: "\n").filter { !$0.isEmpty }
        #expect(lines.count == 1 && result.stderr.contains("fulcio port \(port)") && result.stderr.contains("in use"), "\(result.stderr)")
        // An explicit flag overrides the remembered port.
        let free = try freePort()
        try instance.start(["--fulcio-port", String(free)])
        #expect(try instance.running["fulcio"] == "http://127.0.0.1:\(free)")
        #expect(try instance.running["rekor"] == before["rekor"])
    }
}

extension SigstoreBundle {
    /// The DER of the signing certificate (v0.3 `certificate`, or the first of an older chain).
    var leafCertificateDER: [UInt8]? {
        switch verificationMaterial.signer {
        case .certificate(let der): der.bytes
        case .x509CertificateChain(let chain): chain.first?.bytes
        default: nil
        }
    }
}
