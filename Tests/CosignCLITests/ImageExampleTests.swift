import Foundation
import RegistryTesting
import Testing

/// The library example for images (Examples/sign-verify-image), built with the package: it signs an image in
/// docker-registry with a cosign key pair and verifies it; cosign accepts its signature, and another key does not.
@Suite("the image example program against docker-registry")
struct ImageExampleTests {
    static var binary: String? {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        for candidate in [".build/debug/", ".build/x86_64-unknown-linux-gnu/debug/", ".build/aarch64-unknown-linux-gnu/debug/"] {
            let path = root.appendingPathComponent(candidate + "sign-verify-image-example").path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    /// Runs the example with the fixture's environment; never a TUF mirror beyond loopback.
    static func run(_ arguments: [String], env: [String: String]) throws -> (status: Int32, output: String) {
        let binary = try #require(binary, "build the example first: swift build --build-tests")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(env) { $1 }.merging([
            "TUF_ROOT": NSTemporaryDirectory() + "swift-cosign-tests-no-tuf", "TUF_MIRROR": "file:///nonexistent-swift-cosign-test-mirror",
        ]) { $1 }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    @Test("sign-verify-image-example signs and verifies with a key; cosign verify --key accepts the signature, another key is refused")
    func signsAndVerifies() async throws {
        let f = try await ImageFixture(.plain)
        defer { f.stop() }
        let (image, digest) = try await f.pushImage("example", tag: "v1")
        let result = try Self.run([image, "\(f.dir)/k.key", "\(f.dir)/k.pub"], env: f.env)
        #expect(result.status == 0 && result.output.contains("signed and verified: 1 signature(s) of \(f.registry.host)/example@\(digest)"), "\(result.output)")
        let verified = await f.run(["verify", "--key", "\(f.dir)/k.pub", "--insecure-ignore-tlog", image])
        #expect(verified.status == 0, "\(verified.stderr)")
        let other = await f.run(["verify", "--key", "\(f.dir)/other.pub", "--insecure-ignore-tlog", image])
        #expect(other.status != 0)
        // The example itself, given the other public key, signs again (with k.key) but refuses to verify.
        let refused = try Self.run([image, "\(f.dir)/k.key", "\(f.dir)/other.pub"], env: f.env)
        #expect(refused.status == 1 && refused.output.contains("failed: "), "\(refused.output)")
    }
}
