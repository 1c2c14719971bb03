import Foundation
package import NIOSSL

/// The CA bundle that replaces the system's, as Go's `crypto/x509` reads it on Linux: `SSL_CERT_FILE` (a PEM file),
/// else `SSL_CERT_DIR` (a directory of them). Go cosign trusts a private Sigstore or registry behind a private CA this
/// way, so this cosign does too, for every HTTPS client it makes (services, TUF, registries).
package enum SystemTrust {
    /// The bundle the process environment names, if any.
    package static var environmentRoots: String? {
        let environment = ProcessInfo.processInfo.environment
        return [environment["SSL_CERT_FILE"], environment["SSL_CERT_DIR"]].compactMap { $0 }.first { !$0.isEmpty }
    }

    /// `configuration` with its system roots replaced by `roots` (unchanged when nil).
    package static func applying(_ roots: String?, to configuration: TLSConfiguration) -> TLSConfiguration {
        guard let roots else { return configuration }
        var replaced = configuration
        replaced.trustRoots = .file(roots)
        return replaced
    }
}
