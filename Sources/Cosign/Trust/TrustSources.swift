import Crypto
import Foundation
import SigstoreCore
import SigstoreCrypto
public import SigstoreModels
public import SigstoreVerify
import X509
import SwiftASN1

/// Where a command's trust comes from when it is not given as files: Sigstore's TUF repository, with the component
/// overrides Go cosign reads from the environment.
public enum TrustSources {
    /// The variables that replace one component of the trusted root, as Go cosign reads them.
    public static let overrideVariables = [
        "SIGSTORE_ROOT_FILE", "SIGSTORE_REKOR_PUBLIC_KEY", "SIGSTORE_CT_LOG_PUBLIC_KEY_FILE", "SIGSTORE_TSA_CERTIFICATE_FILE",
    ]

    /// The trust material for a command: `--trusted-root` when given; nothing when only a key is trusted and the log
    /// is skipped (`keyOnly`); else TUF's `trusted_root.json`, with the CAs, Rekor key, CT log key or TSA chain replaced
    /// by the files `SIGSTORE_ROOT_FILE`, `SIGSTORE_REKOR_PUBLIC_KEY`, `SIGSTORE_CT_LOG_PUBLIC_KEY_FILE` and
    /// `SIGSTORE_TSA_CERTIFICATE_FILE` name.
    public static func trustMaterial(path: String?, keyOnly: Bool, offline: Bool = false, console: Console) async throws -> TrustMaterial {
        if let path { return try TrustMaterial.load(path) }
        if keyOnly { return TrustMaterial() }
        return try usable(try await trustedRoot(offline: offline, console: console))
    }

    /// Parses a trusted root assembled from TUF and the environment, naming where it came from when it is unusable.
    public static func usable(_ root: TrustedRoot) throws -> TrustMaterial {
        do {
            return try TrustMaterial(trustedRoot: root)
        } catch let error as any ReportableError {
            throw CosignError(.invalidInput, "the trusted root from TUF is not usable: \(error.message)", underlying: error)
        }
    }

    /// TUF's `trusted_root.json` with the environment's overrides applied (no `--trusted-root`).
    public static func trustedRoot(offline: Bool = false, console: Console) async throws -> TrustedRoot {
        let environment = console.environment
        let overridden = overrideVariables.contains { !(environment[$0] ?? "").isEmpty }
        var root: TrustedRoot
        do {
            var trust = try TUFTrust(environment: environment, offline: offline)
            trust.warn = { console.warn($0) }
            root = try TrustedRoot(jsonData: try await trust.target("trusted_root.json"))
        } catch where overridden {
            // With every needed component from the environment, TUF is not required (Go cosign's legacy path).
            root = TrustedRoot()
        }
        if overridden { root = try applyOverrides(to: root, environment: environment) }
        return root
    }

    /// The signing config: `--signing-config` when given, else TUF's `signing_config.v0.2.json` (or another target of
    /// that shape, such as `signing_config_rekor_v2.v0.2.json`).
    public static func signingConfig(
        path: String?, offline: Bool = false, target: String = "signing_config.v0.2.json", console: Console
    ) async throws -> SigningConfig {
        let bytes: [UInt8]
        let what: String
        if let path {
            bytes = try FileSystem.readFile(path, limit: 1 << 20)
            what = "signing config \(path)"
        } else {
            var trust = try TUFTrust(environment: console.environment, offline: offline)
            trust.warn = { console.warn($0) }
            bytes = try await trust.target(target)
            what = "\(target) from TUF"
        }
        do {
            return try SigningConfig(jsonData: bytes)
        } catch let error as any ReportableError {
            throw error.adding(context: what)
        }
    }

    static func applyOverrides(to root: TrustedRoot, environment: [String: String]) throws -> TrustedRoot {
        var root = root
        func read(_ variable: String) throws -> String? {
            guard let path = environment[variable], !path.isEmpty else { return nil }
            do {
                return try FileSystem.readText(path, limit: 1 << 20)
            } catch let error as any ReportableError {
                throw error.adding(context: variable)
            }
        }
        if let pem = try read("SIGSTORE_ROOT_FILE") {
            root.certificateAuthorities = try certificateAuthorities(pem, variable: "SIGSTORE_ROOT_FILE")
        }
        if let pem = try read("SIGSTORE_REKOR_PUBLIC_KEY") {
            root.tlogs = [try log(pem, variable: "SIGSTORE_REKOR_PUBLIC_KEY")]
        }
        if let pem = try read("SIGSTORE_CT_LOG_PUBLIC_KEY_FILE") {
            root.ctlogs = [try log(pem, variable: "SIGSTORE_CT_LOG_PUBLIC_KEY_FILE")]
        }
        if let pem = try read("SIGSTORE_TSA_CERTIFICATE_FILE") {
            let chain = try certificates(pem, variable: "SIGSTORE_TSA_CERTIFICATE_FILE").map(\.der)
            root.timestampAuthorities = [CertificateAuthority(organization: nil, commonName: nil, uri: nil, certificateChain: chain, validFor: nil)]
        }
        return root
    }

    /// A log whose key is the PEM public key (valid from the beginning of time, log ID = SHA-256 of the key).
    static func log(_ pem: String, variable: String) throws -> TransparencyLogInstance {
        let key: PublicKey
        do {
            key = try PublicKey(pemEncoded: pem)
        } catch let error as any ReportableError {
            throw CosignError(.invalidInput, "\(variable): \(error.message)", underlying: error)
        }
        let details = switch key.kind {
        case .ed25519: "PKIX_ED25519"
        case .rsa: "PKIX_RSA_PKCS1V15_2048_SHA256"
        default: "PKIX_ECDSA_P256_SHA_256"
        }
        let der = key.derRepresentation
        return TransparencyLogInstance(
            baseURL: "", publicKey: PublicKeyMaterial(rawBytes: der, keyDetails: details, validFor: TimeRange(start: Date(timeIntervalSince1970: 0), end: nil)),
            logID: Array(SHA256.hash(data: der)))
    }

    /// Certificate authorities from PEM certificates: one per self-signed root, with the other certificates it
    /// issued (directly or through another) as its intermediates.
    static func certificateAuthorities(_ pem: String, variable: String) throws -> [CertificateAuthority] {
        let parsed = try certificates(pem, variable: variable)
        let roots = parsed.filter { $0.certificate.subject == $0.certificate.issuer }
        guard !roots.isEmpty else { throw CosignError(.invalidInput, "\(variable): no self-signed root certificate") }
        return roots.map { root in
            var chain = [root]
            // Names are not enough: public-good has had two roots named "sigstore", so the issuer's signature decides.
            while let issued = parsed.first(where: { candidate in
                candidate.certificate.issuer == chain[0].certificate.subject && !chain.contains { $0.der == candidate.der }
                    && chain[0].certificate.publicKey.isValidSignature(candidate.certificate.signature, for: candidate.certificate)
            }) {
                chain.insert(issued, at: 0)
            }
            return CertificateAuthority(organization: nil, commonName: nil, uri: nil, certificateChain: chain.map(\.der), validFor: nil)
        }
    }

    static func certificates(_ pem: String, variable: String) throws -> [(der: [UInt8], certificate: Certificate)] {
        do {
            let blocks = try PEMBlock.parseAll(pem).filter { $0.label == "CERTIFICATE" }
            guard !blocks.isEmpty else { throw CosignError(.invalidInput, "\(variable): no PEM certificate") }
            return try blocks.map { ($0.bytes, try Certificate(derEncoded: $0.bytes)) }
        } catch let error as CosignError {
            throw error
        } catch {
            throw CosignError(.invalidInput, "\(variable): not PEM certificates: \(error)", underlying: error)
        }
    }
}
