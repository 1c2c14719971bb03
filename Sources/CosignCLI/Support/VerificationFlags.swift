import ArgumentParser
import Cosign
import CosignOCI

/// cosign's certificate identity flags (`cmd/cosign/cli/options/certificate.go`).
struct CertificateIdentityFlags: ParsableArguments {
    @Option(name: .customLong("certificate-identity"), help: "The identity expected in a valid Fulcio certificate. Valid values include email address, DNS names, IP addresses, and URIs. Either --certificate-identity or --certificate-identity-regexp must be set for keyless flows.")
    var certificateIdentity: String?

    @Option(name: .customLong("certificate-identity-regexp"), help: "A regular expression alternative to --certificate-identity. Accepts the Go regular expression syntax described at https://golang.org/s/re2syntax. Either --certificate-identity or --certificate-identity-regexp must be set for keyless flows.")
    var certificateIdentityRegexp: String?

    @Option(name: .customLong("certificate-oidc-issuer"), help: "The OIDC issuer expected in a valid Fulcio certificate, e.g. https://token.actions.githubusercontent.com or https://oauth2.sigstore.dev/auth. Either --certificate-oidc-issuer or --certificate-oidc-issuer-regexp must be set for keyless flows.")
    var certificateOIDCIssuer: String?

    @Option(name: .customLong("certificate-oidc-issuer-regexp"), help: "A regular expression alternative to --certificate-oidc-issuer. Accepts the Go regular expression syntax described at https://golang.org/s/re2syntax. Either --certificate-oidc-issuer or --certificate-oidc-issuer-regexp must be set for keyless flows.")
    var certificateOIDCIssuerRegexp: String?

    @Option(name: .customLong("certificate-github-workflow-trigger"), help: "contains the event_name claim from the GitHub OIDC Identity token that contains the name of the event that triggered the workflow run")
    var githubWorkflowTrigger: String?

    @Option(name: .customLong("certificate-github-workflow-sha"), help: "contains the sha claim from the GitHub OIDC Identity token that contains the commit SHA that the workflow run was based upon.")
    var githubWorkflowSHA: String?

    @Option(name: .customLong("certificate-github-workflow-name"), help: "contains the workflow claim from the GitHub OIDC Identity token that contains the name of the executed workflow.")
    var githubWorkflowName: String?

    @Option(name: .customLong("certificate-github-workflow-repository"), help: "contains the repository claim from the GitHub OIDC Identity token that contains the repository that the workflow run was based upon")
    var githubWorkflowRepository: String?

    @Option(name: .customLong("certificate-github-workflow-ref"), help: "contains the ref claim from the GitHub OIDC Identity token that contains the git ref that the workflow run was based upon.")
    var githubWorkflowRef: String?

    /// The library's identity options.
    func makeConfiguration() -> IdentityOptions {
        var o = IdentityOptions()
        (o.identity, o.identityRegexp, o.oidcIssuer, o.oidcIssuerRegexp) =
            (certificateIdentity, certificateIdentityRegexp, certificateOIDCIssuer, certificateOIDCIssuerRegexp)
        let workflow: [(UInt, String?)] = [
            (2, githubWorkflowTrigger), (3, githubWorkflowSHA), (4, githubWorkflowName), (5, githubWorkflowRepository), (6, githubWorkflowRef),
        ]
        for (arc, value) in workflow { if let value { o.githubWorkflow[arc] = value } }
        return o
    }
}

/// The verification flags every verify command shares: `--key`, the identity, the trusted root and relaxed checks.
struct VerificationFlags: ParsableArguments {
    @Option(name: .customLong("key"), help: "path to the public key file, KMS URI or Kubernetes Secret")
    var key: String?

    @Flag(name: .customLong("sk"), help: "whether to use a hardware security key")
    var sk = false

    @OptionGroup var identity: CertificateIdentityFlags

    @Option(name: .customLong("trusted-root"), help: "path to a trusted root JSON file")
    var trustedRoot: String?

    @Flag(name: .customLong("insecure-ignore-tlog"), help: "ignore transparency log verification, to be used when an artifact signature has not been uploaded to the transparency log")
    var insecureIgnoreTlog = false

    @Flag(name: .customLong("insecure-ignore-sct"), help: "when set, verification will not check that a certificate contains an embedded SCT, a proof of inclusion in a certificate transparency log")
    var insecureIgnoreSCT = false

    @Flag(name: .customLong("use-signed-timestamps"), help: "verify RFC 3161 signed timestamps")
    var useSignedTimestamps = false

    @Flag(name: .customLong("private-infrastructure"), help: "skip transparency log verification when verifying artifacts in a privately deployed infrastructure (deprecated)")
    var privateInfrastructure = false

    @Flag(name: .customLong("new-bundle-format"), inversion: .prefixedNo, help: "expect the signature in a Sigstore bundle (referrers first for images)")
    var newBundleFormat = true

    @Flag(name: .customLong("allow-certificate-chain"), help: "allow X.509 certificate chains in bundle verification material for v0.3+ bundles")
    var allowCertificateChain = false

    @Flag(name: .customLong("offline"), help: "only allow offline verification: trust from the TUF cache, no network")
    var offline = false

    /// The library's verification options (`--sk` is refused).
    func makeConfiguration() throws -> VerificationOptions {
        if sk { throw CLIError("hardware security keys (--sk) are not supported yet") }
        var o = VerificationOptions()
        (o.key, o.identity, o.trustedRootPath) = (key, identity.makeConfiguration(), trustedRoot)
        (o.ignoreTransparencyLog, o.privateInfrastructure) = (insecureIgnoreTlog, privateInfrastructure)
        (o.ignoreSCT, o.useSignedTimestamps, o.offline) = (insecureIgnoreSCT, useSignedTimestamps, offline)
        o.allowCertificateChain = allowCertificateChain
        return o
    }
}

/// Go cosign's deprecated private-CA flags: certificate authorities from PEM files instead of the trusted root.
struct CertificateAuthorityFlags: ParsableArguments {
    @Option(name: .customLong("certificate-chain"), help: "path to a list of CA certificates in PEM format which will be needed when building the certificate chain for the signing certificate. Must start with the parent intermediate CA certificate of the signing certificate and end with the root certificate. Conflicts with --ca-roots and --ca-intermediates.")
    var certificateChain: String?

    @Option(name: .customLong("ca-roots"), help: "path to a bundle file of CA certificates in PEM format which will be needed when building the certificate chains for the signing certificate. Conflicts with --certificate-chain.")
    var caRoots: String?

    @Option(name: .customLong("ca-intermediates"), help: "path to a file of intermediate CA certificates in PEM format which will be needed when building the certificate chains for the signing certificate. The flag is optional and must be used together with --ca-roots, conflicts with --certificate-chain.")
    var caIntermediates: String?

    /// Go's deprecation line for each flag given.
    func printDeprecations(_ console: Console) {
        let deprecated: [(String?, String, String)] = [
            (certificateChain, "certificate-chain", "please use --trusted-root to provide the certificate chain"),
            (caRoots, "ca-roots", "please use --trusted-root to provide CA certificates"),
            (caIntermediates, "ca-intermediates", "please use --trusted-root to provide CA certificates"),
        ]
        for (value, flag, message) in deprecated where value != nil { console.info("Flag --\(flag) has been deprecated, \(message)") }
    }
}

/// The flags `verify` and `verify-attestation` share besides ``VerificationFlags``.
struct ImageVerificationFlags: ParsableArguments {
    @OptionGroup var verification: VerificationFlags

    @OptionGroup var authorities: CertificateAuthorityFlags

    @Flag(name: .customLong("check-claims"), inversion: .prefixedNo, help: "whether to check the claims found")
    var checkClaims = true

    @Option(name: [.customShort("o"), .customLong("output")], help: "output format for the signing image information (json|text)")
    var output: String = "json"

    @Flag(name: .customLong("local-image"), help: "whether the specified image is a path to an image saved locally via 'cosign save'")
    var localImage = false

    @Option(name: .customLong("max-workers"), help: "the amount of maximum workers for parallel executions")
    var maxWorkers: Int = 10

    @Flag(name: .customLong("experimental-oci11"), inversion: .prefixedNo, help: "set to true to enable experimental OCI 1.1 behaviour (unrelated to bundle format)")
    var experimentalOCI11 = false

    @OptionGroup var registry: RegistryOptions

    /// Runs `body` with the verifier the flags describe; cosign's warning for an ignored log names `what`.
    func withVerifier<T>(
        _ console: Console, verifying what: String, annotations: [String: String] = [:],
        _ body: (ImageVerifier, _ keyBased: Bool) async throws -> T
    ) async throws -> T {
        var options = try verification.makeConfiguration()
        (options.caRoots, options.caIntermediates, options.certificateChain) =
            (authorities.caRoots, authorities.caIntermediates, authorities.certificateChain)
        authorities.printDeprecations(console)
        if experimentalOCI11 {
            console.info("Flag --experimental-oci11 has been deprecated, OCI referrers will be the default behavior in future versions")
        }
        try options.checkKeyOrIdentity()
        options.warnIfIgnoringLog(console, for: what)
        let publicKey = try await options.publicKey(console: console)
        return try await registry.withStore(console, maxConcurrency: maxWorkers) { store in
            let verifier = try await ImageVerifier(
                verification: options, publicKey: publicKey, annotations: annotations, checkClaims: checkClaims,
                legacyReferrers: experimentalOCI11, store: store, console: console)
            return try await body(verifier, publicKey != nil)
        }
    }

    /// Prints cosign's check lines for one verified image.
    func printHeader(_ name: String, fromBundles: Bool, keyBased: Bool, annotations: Bool, console: Console) {
        let lines = VerificationReport.header(name, fromBundles: fromBundles, keyBased: keyBased, annotations: annotations, checkClaims: checkClaims)
        lines.forEach(console.info)
    }
}
