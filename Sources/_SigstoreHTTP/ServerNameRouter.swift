public import AsyncHTTPClient
import Foundation
import Synchronization

/// Go's `tls.Config.ServerName` for AsyncHTTPClient: TLS sends `serverName` (SNI) and checks the server's certificate
/// against it while connecting to the URL's real host. An HTTPS URL's host is replaced by the server name, and a
/// client of its own per real host maps the name back to that host (AsyncHTTPClient's DNS override). A URL already
/// naming the server (an absolute `Location` built from the `Host` header) goes to the host used last.
public final class ServerNameRouter: Sendable {
    /// The name certificates are checked against.
    public let serverName: String
    private let configuration: HTTPClient.Configuration
    private let state = Mutex<(clients: [String: HTTPClient], last: String?)>(([:], nil))

    /// A router that makes its clients from `configuration` (TLS settings, timeouts).
    public init(serverName: String, configuration: HTTPClient.Configuration) {
        self.serverName = serverName
        self.configuration = configuration
    }

    /// The client and URL to use for `url`; plain-HTTP URLs keep `fallback`.
    public func route(_ url: String, fallback: HTTPClient) -> (HTTPClient, String) {
        guard url.hasPrefix("https://"), var components = URLComponents(string: url), let host = components.host else { return (fallback, url) }
        return state.withLock { state in
            guard let target = host == serverName ? state.last : host else { return (fallback, url) }
            let client: HTTPClient
            if let existing = state.clients[target] {
                client = existing
            } else {
                var config = configuration
                config.dnsOverride = [serverName: target]
                client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: config)
                state.clients[target] = client
            }
            state.last = target
            components.host = serverName
            return (client, components.string ?? url)
        }
    }

    /// The clients made so far (to shut down with their owner).
    public var clients: [HTTPClient] { state.withLock { Array($0.clients.values) } }

    /// Shuts every client down.
    public func shutdown() async {
        for client in clients { try? await client.shutdown() }
    }
}
