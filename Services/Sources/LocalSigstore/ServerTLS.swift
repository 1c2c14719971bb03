import Foundation
internal import Crypto
internal import NIOSSL
internal import SigstoreIssuing
internal import SwiftASN1
internal import X509
import SigstoreCore

/// Where the listeners' TLS certificate comes from (`serve --tls-cert/--tls-key`, or `--tls self-signed`).
public enum ServerTLSSource: Sendable, Equatable {
    /// A PEM certificate chain (leaf first) and its PEM private key.
    case files(certificate: String, key: String)
    /// A CA kept in `DATA/tls` (made once) and a server certificate for the bind address, made at each start. Clients
    /// trust `DATA/tls/ca.pem` (the ready line's `tlsCA`).
    case selfSigned
}

/// The server side of TLS: the certificate and key the listeners present.
struct ServerTLS: Sendable {
    let configuration: TLSConfiguration
    /// The CA clients should trust, when self-signed.
    let caPath: String?
    /// What the stack's own client (Fulcio fetching the development issuer's discovery) trusts besides the system
    /// roots: the self-signed CA, or the certificates of the given chain.
    var ownTrust: [NIOSSLCertificate] = []

    /// Loads or makes the certificate. A key that does not belong to the certificate, or files that do not parse,
    /// refuse to start.
    static func load(_ source: ServerTLSSource, dataDirectory: String, host: String, now: Date) throws -> ServerTLS {
        switch source {
        case .files(let certificatePath, let keyPath):
            let chainPEM = try read(certificatePath, what: "--tls-cert")
            let keyPEM = try read(keyPath, what: "--tls-key")
            let leaf: Certificate
            let key: Certificate.PrivateKey
            do {
                leaf = try Certificate(pemEncoded: chainPEM)
            } catch {
                throw InstanceError(.configuration, "--tls-cert \(certificatePath) does not hold a PEM certificate: \(error)")
            }
            do {
                key = try Certificate.PrivateKey(pemEncoded: keyPEM)
            } catch {
                throw InstanceError(.configuration, "--tls-key \(keyPath) does not hold a PEM private key (PKCS#8, SEC1 or PKCS#1)")
            }
            guard key.publicKey == leaf.publicKey else {
                throw InstanceError(.configuration, "--tls-key \(keyPath) is not the key of the certificate in --tls-cert \(certificatePath)")
            }
            var loaded = ServerTLS(configuration: try make(chainPEM: chainPEM, keyPEM: keyPEM), caPath: nil)
            loaded.ownTrust = (try? NIOSSLCertificate.fromPEMBytes(Array(chainPEM.utf8))) ?? []
            return loaded
        case .selfSigned:
            let dir = dataDirectory + "/tls"
            if !FileManager.default.fileExists(atPath: dir) {
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            }
            let caPath = dir + "/ca.pem", caKeyPath = dir + "/ca.key"
            let authority: IssuingAuthority
            if let caPEM = FileManager.default.contents(atPath: caPath), let caKeyPEM = FileManager.default.contents(atPath: caKeyPath) {
                do {
                    authority = IssuingAuthority(
                        certificate: try Certificate(pemEncoded: String(decoding: caPEM, as: UTF8.self)),
                        privateKey: try P256.Signing.PrivateKey(pemRepresentation: String(decoding: caKeyPEM, as: UTF8.self)))
                } catch {
                    throw InstanceError(.corrupt, "\(caPath) or \(caKeyPath) is malformed: \(error)")
                }
            } else {
                authority = try IssuingAuthority.root(
                    subject: try DistinguishedName { OrganizationName("sigstore-local"); CommonName("sigstore-local TLS CA") },
                    notValidBefore: now.addingTimeInterval(-300), notValidAfter: now.addingTimeInterval(10 * 365 * 86_400))
                try writeAtomically(caKeyPath, Array(authority.privateKey.pemRepresentation.utf8), mode: 0o600)
                try writeAtomically(caPath, Array(try authority.certificate.serializeAsPEM().pemString.utf8) + [0x0A], mode: 0o644)
            }
            let key = P256.Signing.PrivateKey()
            var hosts = [host]
            if host == "127.0.0.1" || host == "::1" || host == "localhost" { hosts += ["localhost", "127.0.0.1", "::1"].filter { $0 != host } }
            let leaf = try authority.serverCertificate(
                hosts: hosts, publicKey: key.publicKey, notValidBefore: now.addingTimeInterval(-300), notValidAfter: now.addingTimeInterval(365 * 86_400))
            let chainPEM = try leaf.serializeAsPEM().pemString + "\n"
            try writeAtomically(dir + "/server.key", Array(key.pemRepresentation.utf8), mode: 0o600)
            try writeAtomically(dir + "/server.pem", Array(chainPEM.utf8), mode: 0o644)
            var loaded = ServerTLS(configuration: try make(chainPEM: chainPEM, keyPEM: key.pemRepresentation), caPath: caPath)
            loaded.ownTrust = (try? NIOSSLCertificate.fromPEMBytes(Array(try authority.certificate.serializeAsPEM().pemString.utf8))) ?? []
            return loaded
        }
    }

    private static func read(_ path: String, what: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else { throw InstanceError(.configuration, "cannot read \(what) \(path)") }
        return String(decoding: data, as: UTF8.self)
    }

    /// The stack's own HTTP client configuration.
    var clientConfiguration: TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.additionalTrustRoots = [.certificates(ownTrust)]
        return configuration
    }

    private static func make(chainPEM: String, keyPEM: String) throws -> TLSConfiguration {
        do {
            let chain = try NIOSSLCertificate.fromPEMBytes(Array(chainPEM.utf8)).map { NIOSSLCertificateSource.certificate($0) }
            let key = try NIOSSLPrivateKey(bytes: Array(keyPEM.utf8), format: .pem)
            var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
            configuration.minimumTLSVersion = .tlsv12
            return configuration
        } catch {
            throw InstanceError(.configuration, "the TLS certificate or key cannot be used: \(error)")
        }
    }
}
