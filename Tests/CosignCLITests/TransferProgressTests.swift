import Cosign
@testable import CosignCLI
import Foundation
import OCIModels
import OCIRegistry
import RegistryTesting
import SigstoreTesting
import Synchronization
import Testing

/// A sink that says it is a terminal.
final class TerminalSink: OutputSink {
    private let buffer = BufferSink()
    func write(_ bytes: [UInt8]) { buffer.write(bytes) }
    var isTerminal: Bool { true }
    var text: String { buffer.text }
}

@Suite("progress of large blob transfers")
struct TransferProgressTests {
    @Test("the line is redrawn at most every interval, ends with the complete blob, and an interrupted one is ended")
    func renderer() {
        let sink = TerminalSink()
        let clock = Mutex(ContinuousClock.now)
        let progress = TransferProgress(sink: sink, interval: .milliseconds(200), now: { clock.withLock { $0 } })
        let digest = "sha256:" + String(repeating: "ab", count: 32)
        let total: Int64 = 3 << 30
        progress.report(BlobProgress(digest: digest, done: 1 << 20, total: total))
        progress.report(BlobProgress(digest: digest, done: 2 << 20, total: total))  // too soon: not drawn
        clock.withLock { $0 += .milliseconds(250) }
        progress.report(BlobProgress(digest: digest, done: 1536 << 20, total: total))
        progress.report(BlobProgress(digest: digest, done: total, total: total))  // complete: drawn at once
        progress.report(BlobProgress(digest: digest, done: total, total: total))  // once only
        let clear = "\r\u{1B}[2K"
        #expect(sink.text == clear + "sha256:abababababab 1.0 MiB / 3.0 GiB (0%)"
                + clear + "sha256:abababababab 1.5 GiB / 3.0 GiB (50%)"
                + clear + "sha256:abababababab 3.0 GiB / 3.0 GiB (100%)\n")
        // A transfer that stops half way: finish() ends its line, so an error starts on a line of its own.
        let other = TerminalSink()
        let interrupted = TransferProgress(sink: other)
        interrupted.report(BlobProgress(digest: digest, done: 10, total: 100))
        interrupted.finish()
        interrupted.finish()
        #expect(other.text == clear + "sha256:abababababab 10 B / 100 B (10%)\n")
        #expect(TransferProgress.size(1023) == "1023 B" && TransferProgress.size(1536) == "1.5 KiB")
    }

    @Test(
        "save and load of a 3 MiB layer draw the progress line on a terminal (a pty from script(1)) and nothing when stderr is not one",
        .enabled(if: cosignBinary() != nil && Requirement.tool("script").shouldRun))
    func onlyOnATerminal() async throws {
        let f = try await ImageFixture(.plain)
        defer { f.stop() }
        let image = try TestImage(layerSize: 3 << 20)
        let digest = try await image.push(with: f.client, to: try f.registry.reference("large", tag: "v1"))
        let source = "\(f.registry.host)/large@\(digest)"
        let layer = String(image.manifest.layers[0].digest.prefix(19))

        let quiet = await f.run(["save", "--dir", "\(f.dir)/quiet", source])
        #expect(quiet.status == 0, "\(quiet.stderr)")
        #expect(!quiet.stderr.contains(layer), "no progress without a terminal: \(quiet.stderr)")

        let binary = try #require(cosignBinary())
        func onTerminal(_ arguments: [String]) throws -> String {
            let command = ([binary] + arguments).map { "'\($0)'" }.joined(separator: " ")
            let (status, output) = try runProcess("script", ["-qec", command, "/dev/null"], env: f.env)
            #expect(status == 0, "\(output)")
            return output
        }
        let saved = try onTerminal(["save", "--dir", "\(f.dir)/shown", source])
        #expect(saved.contains("\(layer) 3.0 MiB / 3.0 MiB (100%)"), "\(saved)")
        let loaded = try onTerminal(["load", "--dir", "\(f.dir)/shown", "\(f.registry.host)/large-loaded@\(digest)"])
        #expect(loaded.contains("\(layer) 3.0 MiB / 3.0 MiB (100%)"), "\(loaded)")
        #expect(try await f.client.blob(try f.registry.reference("large-loaded"), digest: image.manifest.layers[0].digest, maxBytes: 4 << 20)
                == image.layer)
    }
}
