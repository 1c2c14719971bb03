#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
internal import NIOCore
internal import NIOHTTPTypes
internal import Synchronization

/// Caps the connections all services of one process hold together, so a client that opens thousands of connections
/// and sends nothing cannot take every file descriptor: when a new connection would pass the cap, the connection
/// that has been quiet longest (one between requests before one in the middle of a request) is closed to make room.
/// New clients are served; the flood's connections are the ones that go.
final class ConnectionGovernor: Sendable {
    /// The default cap on open connections.
    static let defaultLimit = 4096
    /// Descriptors kept free for the database, logs and outgoing requests.
    static let reservedDescriptors = 256

    private struct Entry {
        let channel: any Channel
        var lastActivity: ContinuousClock.Instant
        var inRequest: Bool
    }

    private struct State {
        var next = 0
        var open: [Int: Entry] = [:]
        var evicted = 0
    }

    /// The most connections held at once.
    let limit: Int
    private let state = Mutex(State())

    /// A governor for at most `limit` connections (further lowered to what the descriptor limit allows).
    init(limit: Int) {
        self.limit = max(1, min(limit, Self.descriptorLimit() - Self.reservedDescriptors))
    }

    /// Raises the soft limit on open files to the hard limit, and returns the soft limit in force.
    static func descriptorLimit() -> Int {
        var limits = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limits) == 0 else { return 1024 }
        if limits.rlim_cur < limits.rlim_max {
            var raised = limits
            raised.rlim_cur = limits.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limits = raised }
        }
        return Int(clamping: limits.rlim_cur)
    }

    /// Connections open now.
    var openCount: Int { state.withLock { $0.open.count } }
    /// Connections closed to make room so far.
    var evictedCount: Int { state.withLock { $0.evicted } }

    /// Registers a new connection; closes the quietest other one when the cap is passed. Returns the connection's key.
    func opened(_ channel: any Channel) -> Int {
        let (key, victim): (Int, (any Channel)?) = state.withLock { state in
            let key = state.next
            state.next += 1
            state.open[key] = Entry(channel: channel, lastActivity: .now, inRequest: false)
            guard state.open.count > limit else { return (key, nil) }
            var chosen: (key: Int, entry: Entry)?
            for (k, e) in state.open where k != key {
                guard let c = chosen else {
                    chosen = (k, e)
                    continue
                }
                // Between requests before within one; then the longest quiet.
                if (!e.inRequest && c.entry.inRequest) || (e.inRequest == c.entry.inRequest && e.lastActivity < c.entry.lastActivity) {
                    chosen = (k, e)
                }
            }
            guard let chosen else { return (key, nil) }
            state.open[chosen.key] = nil
            state.evicted += 1
            return (key, chosen.entry.channel)
        }
        victim?.close(promise: nil)
        return key
    }

    /// Records traffic on connection `key`; `inRequest` changes when a request starts or its response ends.
    func activity(_ key: Int, inRequest: Bool? = nil) {
        state.withLock { state in
            guard var entry = state.open[key] else { return }
            entry.lastActivity = .now
            if let inRequest { entry.inRequest = inRequest }
            state.open[key] = entry
        }
    }

    /// Forgets connection `key`.
    func closed(_ key: Int) {
        _ = state.withLock { $0.open.removeValue(forKey: key) }
    }

    /// The channel handler that reports one connection's traffic to this governor.
    func handler() -> ConnectionTracker { ConnectionTracker(governor: self) }
}

/// Sits after HTTP decoding in each connection's pipeline and tells the ``ConnectionGovernor`` when the connection
/// opens, starts and finishes requests, and closes.
final class ConnectionTracker: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let governor: ConnectionGovernor
    private var key: Int?

    init(governor: ConnectionGovernor) { self.governor = governor }

    func handlerAdded(context: ChannelHandlerContext) {
        key = governor.opened(context.channel)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        if let key { governor.closed(key) }
        key = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let key { governor.closed(key) }
        key = nil
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if let key {
            if case .head = unwrapInboundIn(data) { governor.activity(key, inRequest: true) } else { governor.activity(key) }
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if let key {
            if case .end = unwrapOutboundIn(data) { governor.activity(key, inRequest: false) } else { governor.activity(key) }
        }
        context.write(data, promise: promise)
    }
}
