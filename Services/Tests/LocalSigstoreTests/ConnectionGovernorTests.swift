@testable import LocalSigstore
import NIOCore
import NIOEmbedded
import Testing

/// The cap on open connections (issue 23 item 3): which connection makes room for a new one.
@Suite("the connection cap closes the longest-quiet connection")
struct ConnectionGovernorTests {
    static func connected() throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        return channel
    }

    /// A millisecond, so the two activity instants differ.
    func sleepBriefly() throws {
        let start = ContinuousClock.now
        while ContinuousClock.now - start < .milliseconds(1) {}
    }

    @Test("past the cap, a connection between requests goes before an older one inside a request")
    func idleBeforeBusy() throws {
        let governor = ConnectionGovernor(limit: 2)
        let busy = try Self.connected(), idle = try Self.connected(), newcomer = try Self.connected()
        governor.activity(governor.opened(busy), inRequest: true)
        _ = governor.opened(idle)
        _ = governor.opened(newcomer)
        #expect(!idle.isActive)
        #expect(busy.isActive && newcomer.isActive)
        #expect(governor.openCount == 2 && governor.evictedCount == 1)
    }

    @Test("among connections between requests, the one quiet longest goes; a closed one frees its place")
    func oldestQuietFirst() throws {
        let governor = ConnectionGovernor(limit: 2)
        let old = try Self.connected(), recent = try Self.connected(), newcomer = try Self.connected()
        let oldKey = governor.opened(old)
        let recentKey = governor.opened(recent)
        // The older connection just finished a request: the other has been quiet longer.
        governor.activity(recentKey, inRequest: false)
        try sleepBriefly()
        governor.activity(oldKey, inRequest: false)
        _ = governor.opened(newcomer)
        #expect(!recent.isActive && old.isActive)
        governor.closed(oldKey)
        _ = governor.opened(try Self.connected())
        #expect(newcomer.isActive)
        #expect(governor.openCount == 2 && governor.evictedCount == 1)
    }
}
