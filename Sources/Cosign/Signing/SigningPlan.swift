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

    /// Works out the plan as cosign v3 does: `--signing-config`, or with `--use-signing-config=false` the URL flags.
    /// - Throws: ``CosignError`` for flag combinations cosign refuses, and when no signing config is available.
    public init(key: String?, options o: SigningOptions) throws {
        self.key = key
        options = o
        keyless = key == nil || o.issueCertificate
        fromFlags = false
        let configInUse = o.signingConfigPath != nil || o.useSigningConfig
        if o.signingConfigPath != nil && !o.tlogUpload {
            throw CosignError(
                .invalidInput,
                "--tlog-upload=false is not supported with --signing-config or --use-signing-config. Provide a signing config with --signing-config without a transparency log service")
        }
        if configInUse && o.hasCustomURLs {
            throw CosignError(
                .invalidInput,
                "cannot specify service URLs and use signing config: pass --use-signing-config=false with --fulcio-url, --rekor-url, --oidc-issuer or --timestamp-server-url")
        }
        config = try o.signingConfigPath.map { path in
            do {
                return try SigningConfig(jsonData: try FileSystem.readFile(path, limit: 1 << 20))
            } catch let error as any ReportableError {
                throw error.adding(context: "signing config \(path)")
            }
        }
        if config == nil && (keyless || o.tlogUpload) {
            if o.useSigningConfig {
                let what = keyless ? "keyless signing" : "uploading to a transparency log"
                let alternative = keyless ? ", or sign with --key" : ", or pass --tlog-upload=false"
                throw CosignError(
                    .unsupported,
                    "\(what) needs a signing config, and fetching it over TUF is not supported yet: pass --signing-config FILE, or --use-signing-config=false with --fulcio-url/--rekor-url/--oidc-issuer\(alternative)")
            }
            var flags = SigningConfig(rekorTlogSelector: .any, tsaSelector: .any)
            flags.caURLs = [.init(url: o.fulcioURL, majorAPIVersion: 1)]
            flags.oidcURLs = [.init(url: o.oidcIssuer, majorAPIVersion: 1)]
            if o.tlogUpload { flags.rekorTlogURLs = [.init(url: o.rekorURL, majorAPIVersion: 1)] }
            if let url = o.timestampServerURL, !url.isEmpty { flags.tsaURLs = [.init(url: url, majorAPIVersion: 1)] }
            config = flags
            fromFlags = true
        }
        if let path = o.trustedRootPath {
            trust = try TrustMaterial.load(path)
        } else if keyless {
            throw CosignError(
                .unsupported,
                "keyless signing needs a trusted root to check Fulcio's certificate: pass --trusted-root (fetching the public-good root over TUF is not supported yet)")
        }
    }
}
