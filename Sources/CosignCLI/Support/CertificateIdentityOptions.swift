import ArgumentParser
import Cosign
import SigstoreCrypto
import SigstoreModels
import SigstoreVerify
import SigstoreCore

/// cosign's certificate identity flags (`cmd/cosign/cli/options/certificate.go`).
struct CertificateIdentityOptions: ParsableArguments {
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

    /// The identity the flags describe, with cosign's errors when one half is missing.
    func identities() throws -> [CertificateIdentity] {
        if (certificateIdentity ?? "").isEmpty && (certificateIdentityRegexp ?? "").isEmpty {
            throw CLIError("--certificate-identity or --certificate-identity-regexp is required for verification in keyless mode")
        }
        if (certificateOIDCIssuer ?? "").isEmpty && (certificateOIDCIssuerRegexp ?? "").isEmpty {
            throw CLIError("--certificate-oidc-issuer or --certificate-oidc-issuer-regexp is required for verification in keyless mode")
        }
        var extensions: [UInt: String] = [:]
        for (arc, value) in [
            (UInt(2), githubWorkflowTrigger), (3, githubWorkflowSHA), (4, githubWorkflowName),
            (5, githubWorkflowRepository), (6, githubWorkflowRef),
        ] {
            if let value, !value.isEmpty { extensions[arc] = value }
        }
        return [
            CertificateIdentity(
                subjectAlternativeName: try StringMatcher(exact: certificateIdentity, pattern: certificateIdentityRegexp),
                issuer: try StringMatcher(exact: certificateOIDCIssuer, pattern: certificateOIDCIssuerRegexp),
                extensions: extensions)
        ]
    }
}

/// The bundle-verification flags `verify-blob` and `verify-blob-attestation` share.
struct BundleVerificationFlags: ParsableArguments {
    @Option(name: .customLong("trusted-root"), help: "path to a trusted root JSON file")
    var trustedRoot: String?

    @Flag(name: .customLong("insecure-ignore-tlog"), help: "ignore transparency log verification, to be used when an artifact signature has not been uploaded to the transparency log")
    var insecureIgnoreTlog = false

    @Flag(name: .customLong("insecure-ignore-sct"), help: "when set, verification will not check that a certificate contains an embedded SCT, a proof of inclusion in a certificate transparency log")
    var insecureIgnoreSCT = false

    @Flag(name: .customLong("use-signed-timestamps"), help: "verify RFC 3161 signed timestamps")
    var useSignedTimestamps = false

    /// cosign's warning for `--insecure-ignore-tlog`.
    func warnIfIgnoringLog(_ context: CommandContext, for what: String = "blob") {
        if insecureIgnoreTlog {
            context.warn(
                "Skipping tlog verification is an insecure practice that lacks transparency and auditability verification for the \(what).")
        }
    }

    /// The verification these flags describe: a key, or the identity flags (cosign's errors when they are missing).
    func make(publicKey: PublicKey?, identity: CertificateIdentityOptions, ignoreTransparencyLog: Bool) throws -> BundleVerification {
        BundleVerification(
            trustMaterial: try TrustedRootLoader.load(trustedRoot, keyOnly: publicKey != nil && ignoreTransparencyLog),
            options: .init(
                publicKey: publicKey, identities: publicKey == nil ? try identity.identities() : [],
                ignoreTransparencyLog: ignoreTransparencyLog, ignoreSCT: insecureIgnoreSCT,
                useSignedTimestamps: useSignedTimestamps))
    }
}

/// Loads `--trusted-root`.
enum TrustedRootLoader {
    /// The trust material from `path`; with no path, empty material when only a key is trusted and the log is
    /// ignored, otherwise an error (the public-good root comes from TUF, which is not implemented).
    static func load(_ path: String?, keyOnly: Bool) throws -> TrustMaterial {
        guard let path else {
            if keyOnly { return TrustMaterial() }
            throw CLIError(
                "verifying transparency log entries and certificates needs a trusted root: pass --trusted-root (fetching the public-good root over TUF is not supported yet)")
        }
        let bytes = try FileSystem.readFile(path, limit: Limits.maxDocumentBytes)
        do {
            return try TrustMaterial(jsonData: bytes)
        } catch let e as any ReportableError {
            throw CLIError("trusted root \(path): \(e.message)")
        } catch let e as VerificationError {
            throw CLIError("trusted root \(path): \(e.message)")
        }
    }
}
