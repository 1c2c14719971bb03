import ArgumentParser
import Cosign
import SigstoreCrypto

/// The signing-service and identity flags of `sign`, `sign-blob`, `attest` and `attest-blob`.
struct SigningServiceFlags: ParsableArguments {
    @Flag(name: .customLong("tlog-upload"), inversion: .prefixedNo, help: "whether or not to upload to the tlog")
    var tlogUpload = true

    @Flag(name: .customLong("use-signing-config"), inversion: .prefixedNo, help: "whether to use a TUF-provided signing config for the service URLs")
    var useSigningConfig = true

    @Option(name: .customLong("signing-config"), help: "path to a signing config file")
    var signingConfig: String?

    @Option(name: .customLong("trusted-root"), help: "path to a trusted root JSON file")
    var trustedRoot: String?

    @Option(name: .customLong("fulcio-url"), help: "address of the Sigstore PKI server")
    var fulcioURL: String = SigningOptions.defaultFulcioURL

    @Option(name: .customLong("rekor-url"), help: "address of the transparency log")
    var rekorURL: String = SigningOptions.defaultRekorURL

    @Option(name: .customLong("timestamp-server-url"), help: "URL of the RFC 3161 timestamp authority")
    var timestampServerURL: String?

    @Option(name: .customLong("timestamp-client-cacert"), help: "path to the X.509 CA certificate file in PEM format to be used for the connection to the TSA Server")
    var timestampClientCACert: String?

    @Option(name: .customLong("timestamp-client-cert"), help: "path to the X.509 certificate file in PEM format to be used for the connection to the TSA Server")
    var timestampClientCert: String?

    @Option(name: .customLong("timestamp-client-key"), help: "path to the X.509 private key file in PEM format to be used, together with the 'timestamp-client-cert' value, for the connection to the TSA Server")
    var timestampClientKey: String?

    @Option(name: .customLong("timestamp-server-name"), help: "SAN name to use as the 'ServerName' tls.Config field to verify the mTLS connection to the TSA Server")
    var timestampServerName: String?

    @Option(name: .customLong("identity-token"), help: "identity token to use for certificate from fulcio (a JWT, or a path to a file holding one)")
    var identityToken: String?

    @Option(name: .customLong("oidc-issuer"), help: "OIDC provider to be used to issue ID token")
    var oidcIssuer: String = SigningOptions.defaultOIDCIssuer

    @Option(name: .customLong("oidc-client-id"), help: "OIDC client ID for application")
    var oidcClientID: String = "sigstore"

    @Option(name: .customLong("oidc-client-secret-file"), help: "path to file containing OIDC client secret for application")
    var oidcClientSecretFile: String?

    @Option(name: .customLong("oidc-redirect-url"), help: "OIDC redirect URL (optional; by default a free localhost port)")
    var oidcRedirectURL: String?

    @Option(name: .customLong("oidc-provider"), help: "specify the provider to get the OIDC token from (optional; by default the first ambient provider)")
    var oidcProvider: String?

    @Flag(name: .customLong("oidc-disable-ambient-providers"), help: "disable ambient OIDC providers")
    var oidcDisableAmbientProviders = false

    @Option(name: .customLong("fulcio-auth-flow"), help: "fulcio interactive oauth2 flow to use for certificate from fulcio: normal, device, token")
    var fulcioAuthFlow: String?

    @Flag(name: .customLong("insecure-skip-verify"), help: "skip verifying fulcio published to the SCT (not supported: certificates are always checked)")
    var insecureSkipVerify = false

    @Flag(name: .customLong("issue-certificate"), help: "issue a code signing certificate from Fulcio, even if a key is provided")
    var issueCertificate = false

    @Option(name: .customLong("signing-algorithm"), help: "signing algorithm to use for signing/hashing (ephemeral keys only)")
    var signingAlgorithm: String = "ecdsa-sha2-256-nistp256"

    @Flag(name: [.customShort("y"), .customLong("yes")], help: "skip confirmation prompts for non-destructive operations")
    var yes = false

    func validate() throws {
        guard SigningOptions.signingAlgorithms.contains(where: { $0.name == signingAlgorithm }) else {
            let names = SigningOptions.signingAlgorithms.map(\.name).joined(separator: ", ")
            throw ValidationError("invalid signing algorithm: \(signingAlgorithm). Supported algorithms are: \(names)")
        }
        if let fulcioAuthFlow, SigningOptions.AuthFlow(rawValue: fulcioAuthFlow) == nil {
            throw ValidationError("unsupported --fulcio-auth-flow \(fulcioAuthFlow): use normal, device or token")
        }
    }

    /// The library's options for these flags.
    func makeConfiguration() -> SigningOptions {
        var o = SigningOptions()
        (o.tlogUpload, o.useSigningConfig, o.signingConfigPath, o.trustedRootPath) = (tlogUpload, useSigningConfig, signingConfig, trustedRoot)
        (o.fulcioURL, o.rekorURL, o.timestampServerURL, o.oidcIssuer) = (fulcioURL, rekorURL, timestampServerURL, oidcIssuer)
        (o.timestampClientCACert, o.timestampClientCert, o.timestampClientKey) = (timestampClientCACert, timestampClientCert, timestampClientKey)
        o.timestampServerName = timestampServerName.flatMap { $0.isEmpty ? nil : $0 }
        (o.identityToken, o.oidcClientID, o.oidcClientSecretFile, o.oidcRedirectURL) = (identityToken, oidcClientID, oidcClientSecretFile, oidcRedirectURL)
        (o.oidcProvider, o.oidcDisableAmbientProviders, o.insecureSkipVerify) = (oidcProvider, oidcDisableAmbientProviders, insecureSkipVerify)
        o.authFlow = fulcioAuthFlow.flatMap(SigningOptions.AuthFlow.init(rawValue:))
        o.issueCertificate = issueCertificate
        o.signingAlgorithm = SigningOptions.signingAlgorithms.first { $0.name == signingAlgorithm }?.kind ?? .ecdsaP256
        o.assumeYes = yes
        return o
    }
}

/// The signer flags of `sign`, `attest` and the blob commands: `--key`, and a certificate to attach to it.
struct SigningKeyFlags: ParsableArguments {
    @Option(name: .customLong("key"), help: "path to the private key file, KMS URI or Kubernetes Secret")
    var key: String?

    @Flag(name: .customLong("sk"), help: "whether to use a hardware security key")
    var sk = false

    @Option(name: .customLong("certificate"), help: "path to the X.509 certificate in PEM format to include in the OCI Signature")
    var certificate: String?

    @Option(name: .customLong("certificate-chain"), help: "path to a list of CA X.509 certificates in PEM format which will be needed when building the certificate chain for the signing certificate")
    var certificateChain: String?

    /// The `--key` reference, nil for keyless signing.
    func keyReference() throws -> String? {
        if sk { throw CLIError("hardware security keys (--sk) are not supported yet") }
        return key
    }

    /// The signing options with the attached certificate flags.
    func signingOptions(_ services: SigningServiceFlags) -> SigningOptions {
        var o = services.makeConfiguration()
        (o.certificatePath, o.certificateChainPath) = (certificate, certificateChain)
        return o
    }
}
