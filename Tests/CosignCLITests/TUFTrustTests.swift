import Cosign
import Foundation
import RegistryTesting
import SigstoreTesting
import Testing

/// `cosign initialize` and the default trust path against Sigstore's real TUF repository states in
/// `../shared/vectors/tuf`, served on 127.0.0.1 (HTTP) and as `file:///`, with the built binary run under `faketime`
/// at a date inside their validity.
@Suite("TUF: cosign initialize and trust without --trusted-root", .serialized)
struct TUFTrustTests {
    /// Inside the 2026-08 public-good state's validity (its timestamp expires 2026-08-28T19:25:56Z).
    static let validDate = "2026-08-22 12:00:00"
    static let requirements = Requirement.vectors.shouldRun && Requirement.tool("faketime").shouldRun

    struct Fixture {
        let vectors: URL
        let binary: String
        let cache: String
        let workspace: String

        init() throws {
            vectors = try Requirement.sharedVectors()
            try Requirement.tool("faketime").check()
            guard let binary = cosignBinary() else { throw FixtureError("no built cosign binary: run swift build first") }
            self.binary = binary
            workspace = try makeTemporaryDirectory()
            cache = "\(workspace)/tuf-cache"
        }

        var publicGood: URL { vectors.appendingPathComponent("tuf/sigstore-public-good") }

        /// Runs the binary with `TUF_ROOT` set to the fixture's cache, under faketime at `date` when given.
        func cosign(_ args: [String], at date: String? = TUFTrustTests.validDate, env extra: [String: String] = [:]) throws -> (Int32, String) {
            var env = ["TUF_ROOT": cache, "HOME": workspace, "COSIGN_PASSWORD": ""]
            env.merge(extra) { $1 }
            if let date { return try runProcess("faketime", [date, binary] + args, env: env) }
            return try runProcess(binary, args, env: env)
        }

        /// cosign verify-blob of CPython 3.12.5's release bundle, trusting whatever TUF gives.
        func verifyCPython(at date: String? = TUFTrustTests.validDate, extra: [String] = []) throws -> (Int32, String) {
            try cosign(
                ["verify-blob", "--bundle", vectors.appendingPathComponent("cpython-release-tracker/3.12.5/bundle.sigstore.json").path,
                 "--certificate-identity", "thomas@python.org", "--certificate-oidc-issuer", "https://accounts.google.com"] + extra
                    + ["sha256:fba3a6fdbafb3dfae6afb39d3024607e0d324a5065e270c144cac0c4e892e153"], at: date)
        }

        /// Every file under the cache with its bytes, to show a failure left the cache as it was.
        func cacheSnapshot() -> [String: Data] {
            var files: [String: Data] = [:]
            let enumerator = FileManager.default.enumerator(atPath: cache)
            while let path = enumerator?.nextObject() as? String {
                if let data = FileManager.default.contents(atPath: "\(cache)/\(path)") { files[path] = data }
            }
            return files
        }

        /// A writable copy of `state` (a directory of `../shared/vectors/tuf`).
        func copy(_ state: String) throws -> URL {
            let destination = URL(fileURLWithPath: "\(workspace)/\(state)-\(UUID().uuidString)")
            try FileManager.default.copyItem(at: vectors.appendingPathComponent("tuf/\(state)"), to: destination)
            _ = try runProcess("chmod", ["-R", "u+w", destination.path])
            return destination
        }

        func replace(_ file: URL, with bytes: Data) throws {
            try? FileManager.default.removeItem(at: file)
            #expect(FileManager.default.createFile(atPath: file.path, contents: bytes))
        }
    }

    struct FixtureError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    static func expectOneErrorLine(_ result: (Int32, String), containing fragment: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(result.0 == 1, "exit \(result.0): \(result.1)", sourceLocation: sourceLocation)
        let errors = result.1.split(separator: "\n").filter { $0.hasPrefix("Error: ") }
        #expect(errors.count == 1, "\(result.1)", sourceLocation: sourceLocation)
        #expect(result.1.contains(fragment), "\(result.1)", sourceLocation: sourceLocation)
    }

    @Test("initialize from root 5 over HTTP, then verify-blob with no --trusted-root; a valid cache needs no network",
          .enabled(if: requirements, "needs the shared vectors and faketime"))
    func overHTTP() async throws {
        let f = try Fixture()
        let server = try await LoopbackServer.start(serving: f.vectors.appendingPathComponent("tuf"))
        let mirror = server.baseURL.appendingPathComponent("sigstore-public-good").absoluteString
        let initialized = try f.cosign(["initialize", "--mirror", mirror, "--root", f.publicGood.appendingPathComponent("5.root.json").path])
        #expect(initialized.0 == 0, "\(initialized.1)")
        let metadata = "\(f.cache)/\(mirror.replacingOccurrences(of: "http://", with: "").replacingOccurrences(of: "/", with: "-").replacingOccurrences(of: ":", with: "-"))"
        #expect(FileManager.default.fileExists(atPath: "\(metadata)/targets/trusted_root.json"))
        #expect(FileManager.default.fileExists(atPath: "\(metadata)/targets/signing_config.v0.2.json"))
        let remote = try String(contentsOfFile: "\(f.cache)/remote.json", encoding: .utf8)
        #expect(remote.contains(#""mirror""#))
        let root = try String(contentsOfFile: "\(metadata)/root.json", encoding: .utf8)
        #expect(root.contains(#""version": 15"#) || root.contains(#""version":15"#), "the cache holds the newest root after 10 rotations")
        let verified = try f.verifyCPython()
        #expect(verified.0 == 0, "\(verified.1)")
        #expect(verified.1.contains("Verified OK"))
        server.stop()
        // The mirror is gone: the valid cache answers alone.
        let offline = try f.verifyCPython()
        #expect(offline.0 == 0, "\(offline.1)")
        let forced = try f.verifyCPython(extra: ["--offline"])
        #expect(forced.0 == 0, "\(forced.1)")
    }

    @Test(
        "signing-config create --with-default-services / --with-default-rekor-v2 and trusted-root create --with-default-services start from the TUF targets",
        .enabled(if: requirements, "needs the shared vectors and faketime"))
    func createdFromDefaults() async throws {
        let f = try Fixture()
        let mirror = "file://\(f.publicGood.path)"
        #expect(try f.cosign(["initialize", "--mirror", mirror, "--root", f.publicGood.appendingPathComponent("15.root.json").path]).0 == 0)
        let v1 = try f.cosign(["signing-config", "create", "--with-default-services"])
        #expect(v1.0 == 0, "\(v1.1)")
        #expect(v1.1.contains("https://rekor.sigstore.dev") && v1.1.contains("https://fulcio.sigstore.dev"), "\(v1.1)")
        let v2 = try f.cosign(["signing-config", "create", "--with-default-rekor-v2", "--no-default-tsa"])
        #expect(v2.0 == 0, "\(v2.1)")
        #expect(v2.1.contains(#""majorApiVersion":2"#) && !v2.1.contains("tsaUrls"), "\(v2.1)")
        let added = try f.cosign([
            "signing-config", "create", "--with-default-services", "--no-default-rekor", "--rekor",
            "url=https://rekor.example,api-version=1,start-time=2024-01-01T00:00:00Z,operator=example.com", "--rekor-config", "ANY",
        ])
        #expect(added.0 == 0 && added.1.contains("https://rekor.example") && !added.1.contains("https://rekor.sigstore.dev"), "\(added.1)")
        let root = try f.cosign(["trusted-root", "create", "--with-default-services", "--no-default-tsa", "--out", "\(f.workspace)/root.json"])
        #expect(root.0 == 0, "\(root.1)")
        let written = try String(contentsOfFile: "\(f.workspace)/root.json", encoding: .utf8)
        #expect(written.contains("https://rekor.sigstore.dev") && written.contains("https://ctfe.sigstore.dev") && !written.contains("timestampAuthorities"))
        // The trusted root made from the defaults verifies what the TUF one does.
        let verified = try f.verifyCPython(extra: ["--trusted-root", "\(f.workspace)/root.json"])
        #expect(verified.0 == 0, "\(verified.1)")
    }

    @Test("initialize over file:/// (air-gap) and verify", .enabled(if: requirements, "needs the shared vectors and faketime"))
    func overFile() throws {
        let f = try Fixture()
        let mirror = "file://\(f.publicGood.path)"
        let initialized = try f.cosign(["initialize", "--mirror", mirror, "--root", f.publicGood.appendingPathComponent("12.root.json").path])
        #expect(initialized.0 == 0, "\(initialized.1)")
        let verified = try f.verifyCPython()
        #expect(verified.0 == 0 && verified.1.contains("Verified OK"), "\(verified.1)")
    }

    @Test("at the real date the expired repository is refused with one line, and the cache stays as it was",
          .enabled(if: requirements, "needs the shared vectors and faketime"))
    func expiredAtRealDate() throws {
        let f = try Fixture()
        let mirror = "file://\(f.publicGood.path)"
        let root = f.publicGood.appendingPathComponent("15.root.json").path
        #expect(try f.cosign(["initialize", "--mirror", mirror, "--root", root]).0 == 0)
        let before = f.cacheSnapshot()
        Self.expectOneErrorLine(try f.cosign(["initialize", "--mirror", mirror, "--root", root], at: nil), containing: "expired")
        #expect(f.cacheSnapshot() == before)
        // A command at the real date finds the cache expired, refreshes, and is refused the same way.
        let verify = try f.verifyCPython(at: nil)
        Self.expectOneErrorLine(verify, containing: "expired")
        #expect(verify.1.contains(mirror) && verify.1.contains("--trusted-root") && verify.1.contains("cosign initialize"))
        #expect(f.cacheSnapshot() == before)
        // --offline never refreshes: the expired cache is refused without a request.
        Self.expectOneErrorLine(try f.verifyCPython(at: nil, extra: ["--offline"]), containing: "--offline")
    }

    @Test("rollback: after the timestamp expires, a mirror serving an older state is refused and the cache kept",
          .enabled(if: requirements, "needs the shared vectors and faketime"))
    func rollback() throws {
        let f = try Fixture()
        let link = "\(f.workspace)/mirror"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: f.publicGood.path)
        #expect(try f.cosign(["initialize", "--mirror", "file://\(link)", "--root", f.publicGood.appendingPathComponent("15.root.json").path]).0 == 0)
        let before = f.cacheSnapshot()
        try FileManager.default.removeItem(atPath: link)
        try FileManager.default.createSymbolicLink(
            atPath: link, withDestinationPath: f.vectors.appendingPathComponent("tuf/sigstore-public-good-2025-10-09").path)
        let refused = try f.verifyCPython(at: "2026-08-29 12:00:00")
        Self.expectOneErrorLine(refused, containing: "older than trusted version 762")
        #expect(f.cacheSnapshot() == before)
    }

    @Test("bad input: each one line, with the cache unchanged", .enabled(if: requirements, "needs the shared vectors and faketime"))
    func badInput() throws {
        let f = try Fixture()
        let good = "file://\(f.publicGood.path)"
        let root = f.publicGood.appendingPathComponent("15.root.json").path
        #expect(try f.cosign(["initialize", "--mirror", good, "--root", root]).0 == 0)
        let before = f.cacheSnapshot()

        // A --root whose checksum does not match.
        Self.expectOneErrorLine(
            try f.cosign(["initialize", "--mirror", good, "--root", root, "--root-checksum", "sha256:" + String(repeating: "0", count: 64)]),
            containing: "incorrect checksum")
        // A target whose hash does not match.
        let tampered = try f.copy("sigstore-public-good")
        let target = tampered.appendingPathComponent("targets/6494e21ea73fa7ee769f85f57d5a3e6a08725eae1e38c755fc3517c9e6bc0b66.trusted_root.json")
        var bytes = try Data(contentsOf: target)
        bytes[bytes.count / 2] ^= 0x01
        try f.replace(target, with: bytes)
        Self.expectOneErrorLine(try f.cosign(["initialize", "--mirror", "file://\(tampered.path)", "--root", root]), containing: "mismatch")
        // A metadata file over the size limit (timestamp.json is capped at 16384 bytes).
        let huge = try f.copy("sigstore-public-good")
        try f.replace(huge.appendingPathComponent("timestamp.json"), with: Data(repeating: 0x20, count: 20_000))
        Self.expectOneErrorLine(try f.cosign(["initialize", "--mirror", "file://\(huge.path)", "--root", root]), containing: "larger than")
        // A mirror that answers HTML.
        let html = try f.copy("sigstore-public-good")
        try f.replace(html.appendingPathComponent("timestamp.json"), with: Data("<html><body>Not a TUF repository</body></html>".utf8))
        Self.expectOneErrorLine(try f.cosign(["initialize", "--mirror", "file://\(html.path)", "--root", root]), containing: "timestamp.json")
        // A freeze: an expired timestamp served.
        Self.expectOneErrorLine(try f.cosign(["initialize", "--mirror", good, "--root", root], at: "2026-09-01 00:00:00"), containing: "expired")
        // An unreachable mirror (a closed port on loopback).
        let port = try TestRegistry.freePort()
        Self.expectOneErrorLine(
            try f.cosign(["initialize", "--mirror", "http://127.0.0.1:\(port)", "--root", root]), containing: "http://127.0.0.1:\(port)")
        // A custom mirror without a root.
        Self.expectOneErrorLine(try f.cosign(["initialize", "--mirror", "http://127.0.0.1:\(port)"]), containing: "--root")
        #expect(f.cacheSnapshot() == before)
    }
}
