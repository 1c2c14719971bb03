public import SigstoreCrypto

/// How a signing operation reaches Sigstore's services and gets an identity, as cosign's signing flags describe it
/// (`--signing-config`, `--use-signing-config`, the service URLs, `--identity-token`, the OIDC flags, `-y`).
public struct SigningOptions: Sendable {
    /// Go cosign's default Fulcio.
    public static let defaultFulcioURL = "https://fulcio.sigstore.dev"
    /// Go cosign's default Rekor.
    public static let defaultRekorURL = "https://rekor.sigstore.dev"
    /// Go cosign's default OIDC issuer.
    public static let defaultOIDCIssuer = "https://oauth2.sigstore.dev/auth"

    /// The interactive OAuth flows (`--fulcio-auth-flow`).
    public enum AuthFlow: String, Sendable, CaseIterable {
        /// The browser flow (authorization code with PKCE).
        case normal
        /// The device flow.
        case device
        /// Only a given token; no interactive flow.
        case token
    }

    /// `--tlog-upload`.
    public var tlogUpload = true
    /// `--use-signing-config`.
    public var useSigningConfig = true
    /// `--signing-config`.
    public var signingConfigPath: String?
    /// `--trusted-root`.
    public var trustedRootPath: String?
    /// `--fulcio-url`.
    public var fulcioURL = Self.defaultFulcioURL
    /// `--rekor-url`.
    public var rekorURL = Self.defaultRekorURL
    /// `--timestamp-server-url`.
    public var timestampServerURL: String?
    /// `--identity-token`: a JWT, or a path to a file holding one.
    public var identityToken: String?
    /// `--oidc-issuer`.
    public var oidcIssuer = Self.defaultOIDCIssuer
    /// `--oidc-client-id`.
    public var oidcClientID = "sigstore"
    /// `--oidc-client-secret-file`.
    public var oidcClientSecretFile: String?
    /// `--oidc-redirect-url`.
    public var oidcRedirectURL: String?
    /// `--oidc-provider`.
    public var oidcProvider: String?
    /// `--oidc-disable-ambient-providers`.
    public var oidcDisableAmbientProviders = false
    /// `--fulcio-auth-flow`; nil picks the browser on a terminal, the device flow otherwise.
    public var authFlow: AuthFlow?
    /// `--insecure-skip-verify` (deprecated; has no effect).
    public var insecureSkipVerify = false
    /// `--issue-certificate`: a Fulcio certificate even when a key is given.
    public var issueCertificate = false
    /// `--signing-algorithm`: the ephemeral key's kind.
    public var signingAlgorithm: KeyKind = .ecdsaP256
    /// `-y`: skip confirmation prompts.
    public var assumeYes = false
    /// `--timestamp-client-cacert`, `--timestamp-client-cert`, `--timestamp-client-key`: TLS to the timestamp
    /// authority with extra trusted CAs and a client certificate (paths, PEM).
    public var timestampClientCACert: String?, timestampClientCert: String?, timestampClientKey: String?
    /// `--timestamp-server-name`: the name the TSA's certificate is checked against when it is not the URL's host.
    public var timestampServerName: String?
    /// `--certificate`: a certificate (PEM) for the `--key`, carried with the signature instead of the key.
    public var certificatePath: String?
    /// `--certificate-chain`: the CA certificates above `--certificate` (PEM, root last).
    public var certificateChainPath: String?

    /// Options with cosign's defaults.
    public init() {}

    /// `--signing-algorithm` names and the key kinds they make.
    public static let signingAlgorithms: [(name: String, kind: KeyKind)] = [
        ("ecdsa-sha2-256-nistp256", .ecdsaP256), ("ecdsa-sha2-384-nistp384", .ecdsaP384), ("ecdsa-sha2-512-nistp521", .ecdsaP521),
        ("rsa-sign-pkcs1-2048-sha256", .rsa(bits: 2048)), ("rsa-sign-pkcs1-3072-sha256", .rsa(bits: 3072)),
        ("rsa-sign-pkcs1-4096-sha256", .rsa(bits: 4096)),
    ]

    /// Whether any service URL differs from Go cosign's defaults.
    var hasCustomURLs: Bool {
        fulcioURL != Self.defaultFulcioURL || rekorURL != Self.defaultRekorURL || oidcIssuer != Self.defaultOIDCIssuer
            || !(timestampServerURL ?? "").isEmpty
    }
}
