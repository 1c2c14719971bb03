import SigstoreSign
public import SigstoreVerify
import SigstoreCore
public import SigstoreModels

/// The services and trust a signing run uses, decided from the options alone (no network): commands check it before
/// touching a registry, so a mistake in the flags costs no certificate and leaves nothing half-written.
public struct SigningPlan: Sendable {
    /// The `--key` reference; nil for keyless signing.
    public var key: String?
    /// The options the plan was made from.
    public var options: SigningOptions
    /// Whether a Fulcio certificate is requested (no key, or `--issue-certificate`).
    public var keyless: Bool
    /// The services to use: the signing config, or one built from the URL flags.
    public var config: SigningConfig?
    /// Whether the services come from the URL flags (`--use-signing-config=false`).
    public var fromFlags: Bool
    /// `--trusted-root`, parsed once.
    public var trust: TrustMaterial?

    /// Whether signing with `key` and `options` talks to any service (keyless, a transparency log, a timestamp
    /// authority or a signing config). When not, the key signs alone.
    public static func needsServices(key: String?, options o: SigningOptions) -> Bool {
        key == nil || o.issueCertificate || o.signingConfigPath != nil || o.tlogUpload || !(o.timestampServerURL ?? "").isEmpty
    }

    /// Works out the plan as cosign v3 does: `--signing-config`, the signing config from TUF (`--use-signing-config`,
    /// the default), or with `--use-signing-config=false` the URL flags; the trusted root from `--trusted-root` or TUF.
    /// - Throws: ``CosignError`` for flag combinations cosign refuses, and when no signing config is available.
    public init(key: String?, options o: SigningOptions, console: Console) async throws {
        self.key = key
        options = o
        keyless = key == nil || o.issueCertificate
        fromFlags = false
        try AttachedCertificate.checkFlags(key: key, options: o)
        let configInUse = o.signingConfigPath != nil || o.useSigningConfig
        if o.signingConfigPath != nil && !o.tlogUpload || keyless && o.useSigningConfig && !o.tlogUpload {
            throw CosignError(
                .invalidInput,
                "--tlog-upload=false is not supported with --signing-config or --use-signing-config. Provide a signing config with --signing-config without a transparency log service")
        }
        if configInUse && o.hasCustomURLs {
            throw CosignError(
                .invalidInput,
                "cannot specify service URLs and use signing config: pass --use-signing-config=false with --fulcio-url, --rekor-url, --oidc-issuer or --timestamp-server-url")
        }
        var fromTUF = false
        if let path = o.signingConfigPath {
            config = try await TrustSources.signingConfig(path: path, console: console)
        } else if keyless || o.tlogUpload {
            if o.useSigningConfig {
                do {
                    config = try await TrustSources.signingConfig(path: nil, console: console)
                } catch let error as CosignError where !keyless {
                    throw error.adding(context: "uploading to a transparency log needs a signing config (pass --tlog-upload=false to sign with the key alone)")
                }
                fromTUF = true
            } else {
                var flags = SigningConfig(rekorTlogSelector: .any, tsaSelector: .any)
                flags.caURLs = [.init(url: o.fulcioURL, majorAPIVersion: 1)]
                flags.oidcURLs = [.init(url: o.oidcIssuer, majorAPIVersion: 1)]
                if o.tlogUpload { flags.rekorTlogURLs = [.init(url: o.rekorURL, majorAPIVersion: 1)] }
                if let url = o.timestampServerURL, !url.isEmpty { flags.tsaURLs = [.init(url: url, majorAPIVersion: 1)] }
                config = flags
                fromFlags = true
            }
        }
        // As Go cosign: a trusted root is needed to check Fulcio's certificate, and with a signing config.
        if o.trustedRootPath != nil || keyless {
            trust = try await TrustSources.trustMaterial(path: o.trustedRootPath, keyOnly: false, console: console)
        } else if fromTUF || o.signingConfigPath != nil {
            do {
                trust = try await TrustSources.trustMaterial(path: nil, keyOnly: false, console: console)
            } catch let error as any ReportableError {
                console.warn("Could not fetch trusted_root.json from the TUF repository. Continuing with individual targets. Error from TUF: \(error.message)")
            }
        }
    }
}
