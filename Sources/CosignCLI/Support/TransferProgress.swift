import Cosign
import OCIRegistry
import Synchronization

/// The progress line that streamed blob transfers (blobs over 1 MiB in `copy`, `save`, `load` and `upload blob`) draw
/// on standard error when it is a terminal: one line, redrawn in place at most every `interval`, ended with a newline
/// when the blob is complete or the command ends.
final class TransferProgress: Sendable {
    private struct State {
        var lastDraw: ContinuousClock.Instant?
        /// The blob the open (unterminated) line shows.
        var open: String?
        var completed: Set<String> = []
    }

    private let state = Mutex(State())
    private let sink: any OutputSink
    private let interval: Duration
    private let now: @Sendable () -> ContinuousClock.Instant

    /// A line on `sink`, redrawn at most every `interval` by the clock `now`.
    init(sink: any OutputSink, interval: Duration = .milliseconds(200), now: @escaping @Sendable () -> ContinuousClock.Instant = { .now }) {
        self.sink = sink
        self.interval = interval
        self.now = now
    }

    /// Draws `progress` if the line is due (or the blob is complete).
    func report(_ progress: BlobProgress) {
        let text: String? = state.withLock { state in
            let complete = progress.done >= progress.total
            if state.completed.contains(progress.digest) { return nil }
            let time = now()
            if !complete, state.open == progress.digest, let last = state.lastDraw, time - last < interval { return nil }
            state.lastDraw = time
            if complete {
                state.completed.insert(progress.digest)
                state.open = nil
                return "\r\u{1B}[2K" + Self.describe(progress) + "\n"
            }
            state.open = progress.digest
            return "\r\u{1B}[2K" + Self.describe(progress)
        }
        if let text { sink.write(text) }
    }

    /// Ends a line left open by a transfer that did not complete, so what follows starts on a line of its own.
    func finish() {
        let wasOpen = state.withLock { state in
            defer { state.open = nil }
            return state.open != nil
        }
        if wasOpen { sink.write("\n") }
    }

    /// `sha256:0123456789ab 512.0 MiB / 1.0 GiB (50%)`.
    static func describe(_ progress: BlobProgress) -> String {
        let short = String(progress.digest.prefix(19))
        let percent = progress.total > 0 ? Int(progress.done * 100 / progress.total) : 100
        return "\(short) \(size(progress.done)) / \(size(progress.total)) (\(percent)%)"
    }

    /// Bytes in binary units with one decimal.
    static func size(_ bytes: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        if unit == 0 { return "\(bytes) B" }
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10) \(units[unit])"
    }
}
