import CosignOCI
import Foundation
import OCIModels
import OCIRegistry
import RegistryTesting
import SigstoreModels
import SigstoreTesting
import Testing

/// Large attachments an attacker adds beside a valid signature: verification downloads them as it verifies them and
/// releases each that fails, so memory holds about one at a time (issue 23 item 1).
@Suite("verify holds about one large attachment at a time (issue 23 item 1)")
struct LargeAttachmentTests {
    /// Sizes; bench/large-attachments.sh runs this test at the issue's scale (40 layers and 24 bundles of 100 MB).
    static let environment = ProcessInfo.processInfo.environment
    static let junkSize = (Int(environment["LARGE_ATTACHMENT_MB"] ?? "") ?? 40) << 20
    static let legacyCount = Int(environment["LARGE_LEGACY_COUNT"] ?? "") ?? 12
    static let bundleCount = Int(environment["LARGE_BUNDLE_COUNT"] ?? "") ?? 12

    /// Runs `binary` through python's `getrusage`, which reports the child's peak resident set.
    static func measured(_ binary: String, _ args: [String], env: [String: String]) throws -> (
        status: Int32, output: String, peakMiB: Double, seconds: Double
    ) {
        let script = """
            import resource, subprocess, sys
            p = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            sys.stdout.write(p.stderr.decode(errors="replace"))
            print(f"\\nexit={p.returncode} peak_kib={resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}")
            """
        let start = Date()
        let (_, output) = try runProcess("python3", ["-c", script, binary] + args, env: env)
        let seconds = Date().timeIntervalSince(start)
        let last = output.split(separator: "\n").last.map(String.init) ?? ""
        let fields = Dictionary(uniqueKeysWithValues: last.split(separator: " ").compactMap { field -> (String, String)? in
            let parts = field.split(separator: "=", maxSplits: 1)
            return parts.count == 2 ? (String(parts[0]), String(parts[1])) : nil
        })
        return (Int32(fields["exit"] ?? "") ?? -1, output, (Double(fields["peak_kib"] ?? "") ?? .infinity) / 1024, seconds)
    }

    @Test("junk layers (12 of 40 MB) beside a valid .sig signature, and junk bundle referrers (12 of 40 MB) beside a valid bundle: verify --key passes under 256 MiB")
    func largeJunk() async throws {
        guard let binary = cosignBinary() else {
            Issue.record("no built cosign binary: run swift build first (or set COSIGN_BIN)")
            return
        }
        let f = try await ImageFixture(.plain)
        defer { f.stop() }
        let store = SignatureStore(client: f.client)
        let verify = ["verify", "--key", "\(f.dir)/k.pub", "--insecure-ignore-tlog", "--allow-http-registry"]

        // Legacy: a valid signature, then junk layers (the same large blob, each with its own annotation).
        let (_, legacyDigest) = try await f.pushImage("big-legacy")
        let legacyImage = "\(f.registry.host)/big-legacy@\(legacyDigest)"
        let signed = await f.run(["sign", "--key", "\(f.dir)/k.key", "--tlog-upload=false", "--new-bundle-format=false", legacyImage])
        #expect(signed.status == 0, "\(signed.stderr)")
        let junk = [UInt8](repeating: UInt8(ascii: "x"), count: Self.junkSize)
        let tag = try f.registry.reference("big-legacy").withTag("sha256-\(legacyDigest.dropFirst(7)).sig")
        for i in 0..<Self.legacyCount {
            let layer = LegacyLayer(
                payload: junk, mediaType: CosignMediaType.simpleSigning, annotations: [CosignAnnotation.signature: "MEUCIQ\(i)"])
            try await store.appendLegacy(layer, to: tag)
        }
        let legacy = try Self.measured(binary, verify + [legacyImage], env: f.env)
        #expect(legacy.status == 0, "\(legacy.output)")
        #expect(legacy.peakMiB < 256, "peak RSS \(legacy.peakMiB) MiB")

        // Bundles: a valid bundle referrer, then junk referrers: the valid bundle with a 30 MB statement swapped in
        // (it parses, and fails only when verified).
        let (_, bundleDigest) = try await f.pushImage("big-bundles")
        let bundleImage = try f.registry.reference("big-bundles").withDigest(bundleDigest)
        let signedBundle = await f.run(["sign", "--key", "\(f.dir)/k.key", "--tlog-upload=false", "\(f.registry.host)/big-bundles@\(bundleDigest)"])
        #expect(signedBundle.status == 0, "\(signedBundle.stderr)")
        let valid = try #require(try await store.bundles(of: bundleDigest, image: bundleImage).first)
        var object = try #require(try JSONSerialization.jsonObject(with: Data(valid.bundle.jsonData())) as? [String: Any])
        var envelope = try #require(object["dsseEnvelope"] as? [String: Any])
        envelope["payload"] = Data(repeating: UInt8(ascii: "x"), count: Self.junkSize * 3 / 4).base64EncodedString()
        object["dsseEnvelope"] = envelope
        let junkBundle = [UInt8](try JSONSerialization.data(withJSONObject: object))
        let subject = try await store.resolve(bundleImage)
        for i in 0..<Self.bundleCount {
            try await store.writeBundleReferrer(
                junkBundle, subject: subject, of: bundleImage, predicateType: "https://sigstore.dev/cosign/sign/v1",
                created: Date(timeIntervalSince1970: 1_700_000_000 + Double(i)))
        }
        let bundles = try Self.measured(binary, verify + ["\(f.registry.host)/big-bundles@\(bundleDigest)"], env: f.env)
        #expect(bundles.status == 0, "\(bundles.output)")
        #expect(bundles.peakMiB < 256, "peak RSS \(bundles.peakMiB) MiB")
        let mb = Self.junkSize >> 20
        print(
            "large-attachments legacy=\(Self.legacyCount)x\(mb)MB legacy_peak_mib=\(Int(legacy.peakMiB)) legacy_seconds=\(String(format: "%.1f", legacy.seconds)) legacy_exit=\(legacy.status) "
                + "bundles=\(Self.bundleCount)x\(mb)MB bundles_peak_mib=\(Int(bundles.peakMiB)) bundles_seconds=\(String(format: "%.1f", bundles.seconds)) bundles_exit=\(bundles.status)")
    }
}
