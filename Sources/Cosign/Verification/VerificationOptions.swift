public import Foundation
public import SigstoreCrypto
public import SigstoreVerify
import SigstoreCore
import SigstoreModels

/// The certificate identity a keyless signature must carry (`--certificate-identity[-regexp]`,
/// `--certificate-oidc-issuer[-regexp]`, `--certificate-github-workflow-*`).
public struct IdentityOptions: Sendable {
    /// `--certificate-identity`.
    public var identity: String?
    /// `--certificate-identity-regexp`.
    public var identityRegexp: String?
    /// `--certificate-oidc-issuer`.
    public var oidcIssuer: String?
    /// `--certificate-oidc-issuer-regexp`.
    public var oidcIssuerRegexp: String?
    /// The `--certificate-github-workflow-*` values by Fulcio extension arc (1.3.6.1.4.1.57264.1.N): 2 trigger,
    /// 3 SHA, 4 name, 5 repository, 6 ref.
    public var githubWorkflow: [UInt: String] = [:]

    /// No identity.
    public init() {}

    /// Whether an identity (exact or regexp) was given.
    public var hasIdentity: Bool { identity != nil || identityRegexp != nil }

    /// The identities the options describe, with cosign's errors when one half is missing: an empty identity or
    /// issuer never means "anyone".
    public func identities() throws -> [CertificateIdentity] {
        if (identity ?? "").isEmpty && (identityRegexp ?? "").isEmpty {
            throw CosignError(.invalidInput, "--certificate-identity or --certificate-identity-regexp is required for verification in keyless mode")
        }
        if (oidcIssuer ?? "").isEmpty && (oidcIssuerRegexp ?? "").isEmpty {
            throw CosignError(
                .invalidInput, "--certificate-oidc-issuer or --certificate-oidc-issuer-regexp is required for verification in keyless mode")
        }
        return [
            CertificateIdentity(
                subjectAlternativeName: try StringMatcher(exact: identity, pattern: identityRegexp),
                issuer: try StringMatcher(exact: oidcIssuer, pattern: oidcIssuerRegexp),
                extensions: githubWorkflow.filter { !$0.value.isEmpty })
        ]
    }
}

/// What every verify command is given: the key or identity to trust, the trusted root, and the checks to relax.
public struct VerificationOptions: Sendable {
    /// `--key`: a public key file, an encrypted private key, or `env://VAR`.
    public var key: String?
    /// The identity flags, for keyless signatures.
    public var identity = IdentityOptions()
    /// `--trusted-root`.
    public var trustedRootPath: String?
    /// `--insecure-ignore-tlog`.
    public var ignoreTransparencyLog = false
    /// `--private-infrastructure` (deprecated): skips the log like `--insecure-ignore-tlog`, without the warning.
    public var privateInfrastructure = false
    /// `--insecure-ignore-sct`.
    public var ignoreSCT = false
    /// `--use-signed-timestamps`.
    public var useSignedTimestamps = false
    /// `--offline`: trust from the TUF cache only, never the network.
    public var offline = false
    /// `--allow-certificate-chain`: accept a certificate chain in v0.3+ bundles.
    public var allowCertificateChain = false
    /// `--ca-roots`, `--ca-intermediates`, `--certificate-chain` (image verification): certificate authorities from
    /// PEM files in place of the trusted root's Fulcio CAs (a private CA).
    public var caRoots: String?, caIntermediates: String?, certificateChain: String?

    /// Options with cosign's defaults.
    public init() {}

    /// cosign's refusal of a key together with an identity.
    public func checkKeyOrIdentity() throws {
        if key != nil && identity.hasIdentity {
            throw CosignError(.invalidInput, "--key and --certificate-identity/--certificate-identity-regexp cannot be used together")
        }
    }

    /// cosign's warning for `--insecure-ignore-tlog`, naming what is verified.
    public func warnIfIgnoringLog(_ console: Console, for what: String = "blob") {
        if ignoreTransparencyLog && !privateInfrastructure {
            console.warn(
                "Skipping tlog verification is an insecure practice that lacks transparency and auditability verification for the \(what).")
        }
    }

    /// Whether transparency-log entries are skipped.
    public var skipsTransparencyLog: Bool { ignoreTransparencyLog || privateInfrastructure }

    /// The public key `--key` names, if any (an encrypted private key asks for its password).
    public func publicKey(console: Console) async throws -> PublicKey? {
        guard let key else { return nil }
        return try await KeyReference.publicKey(fetching: key, console: console)
    }

    /// The bundle verification these options describe: the key, or the identity flags; the trust from
    /// `--trusted-root`, or TUF.
    public func bundleVerification(
        publicKey: PublicKey?, console: Console, now: @escaping @Sendable () -> Date = { Date() }
    ) async throws -> BundleVerification {
        let identities = publicKey == nil ? try identity.identities() : []
        let trust: TrustMaterial
        if caRoots != nil || caIntermediates != nil || certificateChain != nil {
            try CertificateFiles.checkAuthorityFlags(caRoots: caRoots, caIntermediates: caIntermediates, certificateChain: certificateChain)
            if trustedRootPath != nil {
                throw CosignError(.invalidInput, "CA roots/intermediates and --certificate-chain cannot be combined with --trusted-root: put the CA in the trusted root")
            }
            // TUF is asked only for what the custom CAs do not replace: the logs, CT logs and timestamp authorities.
            let needsRoot = !skipsTransparencyLog || !ignoreSCT || useSignedTimestamps
            var root = needsRoot ? try await TrustSources.trustedRoot(offline: offline, console: console) : TrustedRoot()
            try CertificateFiles.replaceAuthorities(in: &root, caRoots: caRoots, caIntermediates: caIntermediates, certificateChain: certificateChain)
            trust = try TrustSources.usable(root)
        } else {
            trust = try await TrustSources.trustMaterial(
                path: trustedRootPath, keyOnly: publicKey != nil && skipsTransparencyLog, offline: offline, console: console)
        }
        var verification = BundleVerification(
            trustMaterial: trust,
            options: .init(
                publicKey: publicKey, identities: identities,
                ignoreTransparencyLog: skipsTransparencyLog, ignoreSCT: ignoreSCT, useSignedTimestamps: useSignedTimestamps),
            now: now)
        verification.options.allowCertificateChain = allowCertificateChain
        return verification
    }
}
