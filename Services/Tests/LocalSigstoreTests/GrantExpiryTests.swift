import Crypto
import Foundation
import HTTPTypes
@testable import LocalSigstore
import Synchronization
import Testing

@Suite("the development issuer forgets expired sign-ins (issue 23 item 7)")
struct GrantExpiryTests {
    @Test("device codes expire and are swept; outstanding sign-ins are capped with a 503")
    func sweep() async throws {
        let clock = MovableClock(Date(timeIntervalSince1970: 1_800_000_000))
        let issuer = DevelopmentIssuer(key: P256.Signing.PrivateKey(), issuerURL: { "http://127.0.0.1:1" }, now: { clock.now })
        let services = try await InProcessServices.make()
        try await services.test({ issuer.register(on: $0) }) { client in
            for _ in 0..<300 {
                let reply = try await client.send(.post, "/device/code", body: Array("client_id=sigstore".utf8), contentType: "application/x-www-form-urlencoded")
                #expect(reply.status == 200)
            }
            #expect(issuer.pendingGrants == 300)
            // Device codes live 600 s: eleven minutes later the next request sweeps them.
            clock.advance(by: 660)
            let after = try await client.send(.post, "/device/code", body: Array("client_id=sigstore".utf8), contentType: "application/x-www-form-urlencoded")
            #expect(after.status == 200)
            #expect(issuer.pendingGrants == 1)
            // A full table of live grants refuses new ones with 503 instead of growing.
            for _ in 0..<(DevelopmentIssuer.maxPendingGrants - 1) {
                _ = try await client.send(.post, "/device/code", body: Array("client_id=sigstore".utf8), contentType: "application/x-www-form-urlencoded")
            }
            #expect(issuer.pendingGrants == DevelopmentIssuer.maxPendingGrants)
            let full = try await client.send(.post, "/device/code", body: Array("client_id=sigstore".utf8), contentType: "application/x-www-form-urlencoded")
            #expect(full.status == 503, "\(full.text)")
            #expect(issuer.pendingGrants == DevelopmentIssuer.maxPendingGrants)
        }
    }
}

/// A clock the test moves.
final class MovableClock: Sendable {
    private let current: Mutex<Date>
    init(_ start: Date) { current = Mutex(start) }
    var now: Date { current.withLock { $0 } }
    func advance(by seconds: TimeInterval) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
}
