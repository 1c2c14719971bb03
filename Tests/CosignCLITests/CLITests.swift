import CosignCLI
import Foundation
import SigstoreTesting
import Testing

@Suite("cosign command line, in-process")
struct CLITests {
    @Test("version and version --json")
    func version() async throws {
        let text = await cosign(["version"])
        #expect(text.status == 0)
        #expect(text.stdout.contains("GitVersion:"))
        let json = await cosign(["version", "--json"])
        #expect(json.status == 0)
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: String]
        #expect(object?["gitVersion"]?.hasPrefix("v") == true)
    }

    @Test("--help works for every command", arguments: [
        [], ["generate-key-pair"], ["import-key-pair"], ["public-key"], ["sign-blob"], ["verify-blob"], ["env"], ["version"],
        ["trusted-root", "create"], ["signing-config", "create"], ["bundle", "create"], ["completion"],
    ])
    func help(command: [String]) async {
        let result = await cosign(command + ["--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("USAGE"))
    }

    @Test("completion prints bash, zsh and fish scripts naming the commands; powershell and unknown shells are refused")
    func completion() async {
        for shell in ["bash", "zsh", "fish"] {
            let result = await cosign(["completion", shell])
            #expect(result.status == 0, "\(shell): \(result.stderr)")
            #expect(result.stdout.contains("verify-blob") && result.stdout.contains("trusted-root"), "\(shell)")
        }
        let bashScript = await cosign(["completion", "bash"])
        #expect(bashScript.stdout.contains("complete -o filenames -F _cosign cosign"))
        expectOneLineError(await cosign(["completion", "powershell"]), containing: "powershell completion is not supported")
        expectOneLineError(await cosign(["completion", "tcsh"]), containing: "one of bash, zsh, fish, powershell")
    }

    @Test("env masks sensitive values")
    func env() async {
        let result = await cosign(["env"], env: ["COSIGN_PASSWORD": "s3cret", "COSIGN_REPOSITORY": "r.example/x", "COSIGN_OTHER": "v"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("COSIGN_PASSWORD=******"))
        #expect(result.stdout.contains("COSIGN_REPOSITORY=r.example/x"))
        #expect(result.stdout.contains("# COSIGN_PASSWORD overrides password inputs with this value"))
        #expect(result.stdout.contains("COSIGN_OTHER=******"))
        #expect(!result.stdout.contains("s3cret"))
        let shown = await cosign(["env", "--show-sensitive-values", "--show-descriptions=false"], env: ["COSIGN_PASSWORD": "s3cret"])
        #expect(shown.stdout.contains("COSIGN_PASSWORD=s3cret"))
        #expect(!shown.stdout.contains("# "))
    }

    @Test("unknown flags and bad timeouts fail with exit 1")
    func badFlags() async {
        let unknown = await cosign(["verify-blob", "--nope", "x"])
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("--nope"))
        let timeout = await cosign(["version", "--timeout", "soon"])
        #expect(timeout.status == 1)
        #expect(timeout.stderr.contains("invalid duration"))
    }

    @Test("--output-file receives stdout; env:// key references work")
    func outputFileAndEnvKey() async throws {
        let dir = try makeTemporaryDirectory()
        _ = await cosign(["generate-key-pair", "--output-key-prefix", "\(dir)/k"])
        let pem = try String(contentsOfFile: "\(dir)/k.key", encoding: .utf8)
        let result = await cosign(
            ["public-key", "--key", "env://MY_KEY", "--output-file", "\(dir)/out.pem"],
            env: ["COSIGN_PASSWORD": "test-password", "MY_KEY": pem])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.isEmpty)
        #expect(try String(contentsOfFile: "\(dir)/out.pem", encoding: .utf8) == (try String(contentsOfFile: "\(dir)/k.pub", encoding: .utf8)))
        let unset = await cosign(["public-key", "--key", "env://NOT_SET"])
        expectOneLineError(unset, containing: "NOT_SET")
        let k8s = await cosign(["public-key", "--key", "k8s://namespace/secret"])
        expectOneLineError(k8s, containing: "not supported yet")
        let kms = await cosign(["public-key", "--key", "awskms://localhost/alias/x"], env: ["HOME": dir])
        expectOneLineError(kms, containing: "AWS KMS: no region")
    }

    @Test("generate-key-pair writes cosign's files with the right modes and never prints the password")
    func generate() async throws {
        let dir = try makeTemporaryDirectory()
        let result = await cosign(["generate-key-pair", "--output-key-prefix", "\(dir)/k"], env: ["COSIGN_PASSWORD": "pw-not-in-output"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("Private key written to \(dir)/k.key"))
        #expect(result.stderr.contains("Public key written to \(dir)/k.pub"))
        #expect(!(result.stdout + result.stderr).contains("pw-not-in-output"))
        let keyAttributes = try FileManager.default.attributesOfItem(atPath: "\(dir)/k.key")
        #expect((keyAttributes[.posixPermissions] as? Int) == 0o600)
        let pubAttributes = try FileManager.default.attributesOfItem(atPath: "\(dir)/k.pub")
        #expect((pubAttributes[.posixPermissions] as? Int) == 0o644)
        let key = try String(contentsOfFile: "\(dir)/k.key", encoding: .utf8)
        #expect(key.hasPrefix("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----"))
        #expect(!key.contains("pw-not-in-output"))
        // public-key derives the same public key.
        let pub = await cosign(["public-key", "--key", "\(dir)/k.key"], env: ["COSIGN_PASSWORD": "pw-not-in-output"])
        #expect(pub.status == 0)
        #expect(pub.stdout == (try String(contentsOfFile: "\(dir)/k.pub", encoding: .utf8)))
        let wrong = await cosign(["public-key", "--key", "\(dir)/k.key"], env: ["COSIGN_PASSWORD": "guess"])
        expectOneLineError(wrong, containing: "decryption failed")
        #expect(!wrong.stderr.contains("guess"))
    }

    @Test("generate-key-pair over existing files without consent leaves them untouched")
    func noOverwrite() async throws {
        let dir = try makeTemporaryDirectory()
        try "old key".write(toFile: "\(dir)/cosign.key", atomically: true, encoding: .utf8)
        try "old pub".write(toFile: "\(dir)/cosign.pub", atomically: true, encoding: .utf8)
        for answer in ["", "n\n", "maybe\n"] {
            let result = await cosign(["generate-key-pair", "--output-key-prefix", "\(dir)/cosign"], stdin: answer)
            #expect(result.status == 1)
            #expect(result.stderr.contains("WARNING: File \(dir)/cosign.key already exists. Overwrite?"))
            #expect(try String(contentsOfFile: "\(dir)/cosign.key", encoding: .utf8) == "old key")
            #expect(try String(contentsOfFile: "\(dir)/cosign.pub", encoding: .utf8) == "old pub")
        }
        let yes = await cosign(["generate-key-pair", "--output-key-prefix", "\(dir)/cosign"], stdin: "y\n")
        #expect(yes.status == 0)
        #expect(try String(contentsOfFile: "\(dir)/cosign.key", encoding: .utf8).contains("ENCRYPTED SIGSTORE PRIVATE KEY"))
    }

    @Test("password from standard input, verbatim, when COSIGN_PASSWORD is unset")
    func stdinPassword() async throws {
        let dir = try makeTemporaryDirectory()
        let gen = await cosign(["generate-key-pair", "--output-key-prefix", "\(dir)/k"], env: [:], stdin: "from-stdin")
        #expect(gen.status == 0, "\(gen.stderr)")
        let ok = await cosign(["public-key", "--key", "\(dir)/k.key"], env: ["COSIGN_PASSWORD": "from-stdin"])
        #expect(ok.status == 0)
    }

    @Test("sign-blob and verify-blob: bundle, legacy signature and legacy bundle")
    func signVerify() async throws {
        let dir = try makeTemporaryDirectory()
        _ = await cosign(["generate-key-pair", "--output-key-prefix", "\(dir)/k"])
        try "artifact contents\n".write(toFile: "\(dir)/a.txt", atomically: true, encoding: .utf8)
        try "artifact contents!\n".write(toFile: "\(dir)/tampered.txt", atomically: true, encoding: .utf8)

        let sign = await cosign(["sign-blob", "--key", "\(dir)/k.key", "--tlog-upload=false", "--bundle", "\(dir)/a.bundle", "\(dir)/a.txt"])
        #expect(sign.status == 0, "\(sign.stderr)")
        #expect(sign.stderr.contains("Wrote bundle to file \(dir)/a.bundle"))
        let mode = try FileManager.default.attributesOfItem(atPath: "\(dir)/a.bundle")[.posixPermissions] as? Int
        #expect(mode == 0o600)

        let verify = await cosign(["verify-blob", "--key", "\(dir)/k.pub", "--bundle", "\(dir)/a.bundle", "--insecure-ignore-tlog", "\(dir)/a.txt"])
        #expect(verify.status == 0, "\(verify.stderr)")
        #expect(verify.stderr.contains("WARNING: Skipping tlog verification is an insecure practice that lacks transparency and auditability verification for the blob."))
        #expect(verify.stderr.hasSuffix("Verified OK\n"))

        let noTlogFlag = await cosign(["verify-blob", "--key", "\(dir)/k.pub", "--bundle", "\(dir)/a.bundle", "\(dir)/a.txt"])
        expectOneLineError(noTlogFlag, containing: "--trusted-root")

        let tampered = await cosign(["verify-blob", "--key", "\(dir)/k.pub", "--bundle", "\(dir)/a.bundle", "--insecure-ignore-tlog", "\(dir)/tampered.txt"])
        expectOneLineError(tampered, containing: "invalid signature")

        // By digest.
        let digest = "sha256:" + (try runProcess("sha256sum", ["\(dir)/a.txt"]).1.prefix(64))
        let byDigest = await cosign(["verify-blob", "--key", "\(dir)/k.pub", "--bundle", "\(dir)/a.bundle", "--insecure-ignore-tlog", digest])
        #expect(byDigest.status == 0, "\(byDigest.stderr)")

        // Legacy: signature on stdout, signature file and legacy bundle.
        let legacy = await cosign(["sign-blob", "--key", "\(dir)/k.key", "--tlog-upload=false", "--new-bundle-format=false", "--bundle", "\(dir)/legacy.json", "--output-signature", "\(dir)/a.sig", "\(dir)/a.txt"])
        #expect(legacy.status == 0, "\(legacy.stderr)")
        let legacyJSON = try String(contentsOfFile: "\(dir)/legacy.json", encoding: .utf8)
        #expect(legacyJSON.hasPrefix(#"{"base64Signature":""#))
        #expect(legacyJSON.contains(#""cert":""#))
        let stdoutSig = await cosign(["sign-blob", "--key", "\(dir)/k.key", "--tlog-upload=false", "--new-bundle-format=false", "\(dir)/a.txt"])
        #expect(stdoutSig.status == 0)
        #expect(Data(base64Encoded: stdoutSig.stdout.trimmingCharacters(in: .newlines)) != nil)

        for args in [["--signature", "\(dir)/a.sig"], ["--bundle", "\(dir)/legacy.json"], ["--signature", stdoutSig.stdout.trimmingCharacters(in: .newlines)]] {
            let ok = await cosign(["verify-blob", "--key", "\(dir)/k.pub", "--insecure-ignore-tlog"] + args + ["\(dir)/a.txt"])
            #expect(ok.status == 0, "\(args): \(ok.stderr)")
            let bad = await cosign(["verify-blob", "--key", "\(dir)/k.pub", "--insecure-ignore-tlog"] + args + ["\(dir)/tampered.txt"])
            expectOneLineError(bad, containing: "invalid signature")
        }
    }

    @Test("flags from COSIGN_* environment variables, aliases and single-dash long flags")
    func environmentBinding() async throws {
        let dir = try makeTemporaryDirectory()
        _ = await cosign(["generate-key-pair", "--output-key-prefix", "\(dir)/k"])
        try "x".write(toFile: "\(dir)/a.txt", atomically: true, encoding: .utf8)
        let result = await cosign(
            ["sign-blob", "\(dir)/a.txt"],
            env: ["COSIGN_PASSWORD": "test-password", "COSIGN_KEY": "\(dir)/k.key", "COSIGN_TLOG_UPLOAD": "false",
                  "COSIGN_NEW_BUNDLE_FORMAT": "false"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(!result.stdout.isEmpty)
        try result.stdout.write(toFile: "\(dir)/a.sig", atomically: true, encoding: .utf8)
        let verify = await cosign(["verify-blob", "-key", "\(dir)/k.pub", "--signature", "\(dir)/a.sig", "\(dir)/a.txt"], env: ["COSIGN_INSECURE_IGNORE_TLOG": "true"])
        #expect(verify.status == 0, "\(verify.stderr)")
        #expect(verify.stderr.contains("WARNING: the -key flag is deprecated"))
        // An explicit flag wins over the environment.
        let explicit = await cosign(["sign-blob", "--tlog-upload=true", "\(dir)/a.txt"],
            env: ["COSIGN_PASSWORD": "test-password", "COSIGN_KEY": "\(dir)/k.key", "COSIGN_TLOG_UPLOAD": "false", "COSIGN_NEW_BUNDLE_FORMAT": "false"])
        expectOneLineError(explicit, containing: "--tlog-upload=false")
    }

    @Test("sign-blob needs --bundle with the new bundle format, and --tlog-upload=false until the log exists")
    func signBlobPreconditions() async throws {
        let dir = try makeTemporaryDirectory()
        _ = await cosign(["generate-key-pair", "--output-key-prefix", "\(dir)/k"])
        try "x".write(toFile: "\(dir)/a.txt", atomically: true, encoding: .utf8)
        let noBundle = await cosign(["sign-blob", "--key", "\(dir)/k.key", "--tlog-upload=false", "\(dir)/a.txt"])
        #expect(noBundle.status != 0)
        #expect(noBundle.stderr.contains("must specify --bundle with --new-bundle-format"))
        let tlog = await cosign(["sign-blob", "--key", "\(dir)/k.key", "--bundle", "\(dir)/b", "\(dir)/a.txt"])
        expectOneLineError(tlog, containing: "--tlog-upload=false")
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/b"))
    }
}

@Suite("Bad input: one clear line and exit 1, never a crash")
struct BadInputTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var setup: @Sendable (String) throws -> [String]
        var fragment: String
        var testDescription: String { name }
    }

    static func keyDir() async throws -> String {
        let dir = try makeTemporaryDirectory()
        _ = await cosign(["generate-key-pair", "--output-key-prefix", "\(dir)/k"])
        try "artifact".write(toFile: "\(dir)/a.txt", atomically: true, encoding: .utf8)
        _ = await cosign(["sign-blob", "--key", "\(dir)/k.key", "--tlog-upload=false", "--new-bundle-format=false", "--output-signature", "\(dir)/a.sig", "\(dir)/a.txt"])
        _ = await cosign(["sign-blob", "--key", "\(dir)/k.key", "--tlog-upload=false", "--bundle", "\(dir)/a.bundle", "\(dir)/a.txt"])
        return dir
    }

    static let verify = ["verify-blob", "--insecure-ignore-tlog"]

    static let cases: [Case] = [
        Case(name: "malformed PEM public key", setup: { d in
            try "-----BEGIN PUBLIC KEY-----\n!!!\n-----END PUBLIC KEY-----\n".write(toFile: "\(d)/bad.pub", atomically: true, encoding: .utf8)
            return verify + ["--key", "\(d)/bad.pub", "--signature", "\(d)/a.sig", "\(d)/a.txt"]
        }, fragment: "PEM"),
        Case(name: "not PEM at all", setup: { d in
            try "hello".write(toFile: "\(d)/bad.pub", atomically: true, encoding: .utf8)
            return verify + ["--key", "\(d)/bad.pub", "--signature", "\(d)/a.sig", "\(d)/a.txt"]
        }, fragment: "no PEM block"),
        Case(name: "malformed key JSON", setup: { d in
            let body = Data("{\"kdf\": 1}".utf8).base64EncodedString()
            try "-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n\(body)\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n"
                .write(toFile: "\(d)/bad.key", atomically: true, encoding: .utf8)
            return ["sign-blob", "--key", "\(d)/bad.key", "--tlog-upload=false", "--bundle", "\(d)/o", "\(d)/a.txt"]
        }, fragment: "malformed encrypted private key"),
        Case(name: "truncated signature", setup: { d in
            let sig = try String(contentsOfFile: "\(d)/a.sig", encoding: .utf8)
            let raw = Data(base64Encoded: sig)!
            try raw.prefix(raw.count - 6).base64EncodedString().write(toFile: "\(d)/t.sig", atomically: true, encoding: .utf8)
            return verify + ["--key", "\(d)/k.pub", "--signature", "\(d)/t.sig", "\(d)/a.txt"]
        }, fragment: "signature"),
        Case(name: "non-base64 signature", setup: { d in
            try "%%% not base64 %%%".write(toFile: "\(d)/n.sig", atomically: true, encoding: .utf8)
            return verify + ["--key", "\(d)/k.pub", "--signature", "\(d)/n.sig", "\(d)/a.txt"]
        }, fragment: "signature"),
        Case(name: "missing artifact", setup: { d in verify + ["--key", "\(d)/k.pub", "--signature", "\(d)/a.sig", "\(d)/missing.txt"] },
             fragment: "no such file or directory"),
        Case(name: "missing key file", setup: { d in verify + ["--key", "\(d)/missing.pub", "--signature", "\(d)/a.sig", "\(d)/a.txt"] },
             fragment: "missing.pub: no such file or directory"),
        Case(name: "empty key file", setup: { d in
            _ = FileManager.default.createFile(atPath: "\(d)/empty.pub", contents: Data())
            return verify + ["--key", "\(d)/empty.pub", "--signature", "\(d)/a.sig", "\(d)/a.txt"]
        }, fragment: "empty"),
        Case(name: "empty signature file", setup: { d in
            _ = FileManager.default.createFile(atPath: "\(d)/empty.sig", contents: Data())
            return verify + ["--key", "\(d)/k.pub", "--signature", "\(d)/empty.sig", "\(d)/a.txt"]
        }, fragment: "signature is empty"),
        Case(name: "empty bundle file", setup: { d in
            _ = FileManager.default.createFile(atPath: "\(d)/empty.bundle", contents: Data())
            return verify + ["--key", "\(d)/k.pub", "--bundle", "\(d)/empty.bundle", "\(d)/a.txt"]
        }, fragment: "empty"),
        Case(name: "malformed bundle JSON", setup: { d in
            try #"{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","verificationMaterial":"#.write(toFile: "\(d)/m.bundle", atomically: true, encoding: .utf8)
            return verify + ["--key", "\(d)/k.pub", "--bundle", "\(d)/m.bundle", "\(d)/a.txt"]
        }, fragment: "malformed bundle"),
        Case(name: "artifact is a directory", setup: { d in verify + ["--key", "\(d)/k.pub", "--signature", "\(d)/a.sig", d] },
             fragment: "is a directory"),
        Case(name: "key is a directory", setup: { d in verify + ["--key", d, "--signature", "\(d)/a.sig", "\(d)/a.txt"] },
             fragment: "is a directory"),
        Case(name: "unsupported key type (DSA)", setup: { d in
            // A DSA SubjectPublicKeyInfo (OID 1.2.840.10040.4.1) with a dummy key.
            let der: [UInt8] = [0x30, 0x12, 0x30, 0x09, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x38, 0x04, 0x01, 0x03, 0x05, 0x00, 0x02, 0x02, 0x01, 0x01]
            try "-----BEGIN PUBLIC KEY-----\n\(Data(der).base64EncodedString())\n-----END PUBLIC KEY-----\n"
                .write(toFile: "\(d)/dsa.pub", atomically: true, encoding: .utf8)
            return verify + ["--key", "\(d)/dsa.pub", "--signature", "\(d)/a.sig", "\(d)/a.txt"]
        }, fragment: "unsupported public key algorithm"),
        Case(name: "private key where a cosign key is expected", setup: { d in
            try "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n".write(toFile: "\(d)/raw.key", atomically: true, encoding: .utf8)
            return ["sign-blob", "--key", "\(d)/raw.key", "--tlog-upload=false", "--bundle", "\(d)/o", "\(d)/a.txt"]
        }, fragment: "unsupported pem type: EC PRIVATE KEY"),
        Case(name: "signature without a key", setup: { d in ["verify-blob", "--signature", "\(d)/a.sig", "\(d)/a.txt"] },
             fragment: "provide a key with --key"),
    ]

    @Test("bad input", arguments: cases)
    func badInput(_ testCase: Case) async throws {
        let dir = try await Self.keyDir()
        let args = try testCase.setup(dir)
        let result = await cosign(args)
        expectOneLineError(result, containing: testCase.fragment)
        #expect(!result.stderr.contains("test-password"))
    }
}

@Suite("--timeout bounds local I/O; layouts hold regular files only (issue 23 item 4)")
struct LocalDeadlineTests {
    @Test(
        "a FIFO as --signature and /dev/zero as the blob end at -t with exit 1; a FIFO in a layout is refused at once",
        .enabled(if: cosignBinary() != nil && Requirement.tool("mkfifo").shouldRun && Requirement.tool("timeout").shouldRun))
    func localDeadlines() async throws {
        let binary = try #require(cosignBinary())
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(await cosign(["generate-key-pair", "--output-key-prefix", "\(dir)/k"], env: ["COSIGN_PASSWORD": "pw"]).status == 0)
        try "blob\n".write(toFile: "\(dir)/blob", atomically: true, encoding: .utf8)
        #expect(await cosign(
            ["sign-blob", "--key", "\(dir)/k.key", "--tlog-upload=false", "--new-bundle-format=false", "--output-signature", "\(dir)/sig", "-y",
             "\(dir)/blob"], env: ["COSIGN_PASSWORD": "pw"]).status == 0)
        try runProcess("mkfifo", ["\(dir)/fifo"])
        func timed(_ args: [String]) throws -> (Int32, String, Duration) {
            let start = ContinuousClock.now
            let (status, output) = try runProcess("timeout", ["30", binary] + args, env: ["TUF_ROOT": "\(dir)/tuf", "TUF_MIRROR": "file:///nonexistent"])
            return (status, output, ContinuousClock.now - start)
        }
        for args in [
            ["verify-blob", "-t", "2s", "--key", "\(dir)/k.pub", "--signature", "\(dir)/fifo", "--insecure-ignore-tlog", "\(dir)/blob"],
            ["verify-blob", "-t", "2s", "--key", "\(dir)/k.pub", "--signature", "\(dir)/sig", "--insecure-ignore-tlog", "/dev/zero"],
        ] {
            let (status, output, elapsed) = try timed(args)
            #expect(status == 1, "\(args): exit \(status): \(output)")
            #expect(output.contains("context deadline exceeded"), "\(output)")
            #expect(elapsed < .seconds(15), "\(elapsed)")
        }
        // A layout whose index.json is a FIFO: refused, not waited on.
        let layout = "\(dir)/layout"
        try FileManager.default.createDirectory(atPath: layout + "/blobs/sha256", withIntermediateDirectories: true)
        try #"{"imageLayoutVersion": "1.0.0"}"#.write(toFile: layout + "/oci-layout", atomically: true, encoding: .utf8)
        try runProcess("mkfifo", [layout + "/index.json"])
        for args in [
            ["verify", "--key", "\(dir)/k.pub", "--insecure-ignore-tlog", "--local-image", layout],
            ["load", "--dir", layout, "127.0.0.1:1/app:v1"],
        ] {
            let (status, output, elapsed) = try timed(args)
            #expect(status != 0 && status != 124, "\(args): exit \(status): \(output)")
            #expect(output.contains("not a regular file"), "\(output)")
            #expect(elapsed < .seconds(10), "\(elapsed)")
        }
    }
}
