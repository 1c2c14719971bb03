import ArgumentParser
import Cosign
import CosignOCI
import OCIModels
import OCIRegistry
import SigstoreCrypto
import SigstoreCore

/// The flags `verify` and `verify-attestation` share, and the verifier they describe.
struct ImageVerificationOptions: ParsableArguments {
    @Option(name: .customLong("key"), help: "path to the public key file, KMS URI or Kubernetes Secret")
    var key: String?

    @Flag(name: .customLong("sk"), help: "whether to use a hardware security key")
    var sk = false

    @OptionGroup var identity: CertificateIdentityOptions

    @OptionGroup var verification: BundleVerificationFlags

    @Flag(name: .customLong("check-claims"), inversion: .prefixedNo, help: "whether to check the claims found")
    var checkClaims = true

    @Option(name: [.customShort("o"), .customLong("output")], help: "output format for the signing image information (json|text)")
    var output: String = "json"

    @Flag(name: .customLong("local-image"), help: "whether the specified image is a path to an image saved locally via 'cosign save'")
    var localImage = false

    @Option(name: .customLong("max-workers"), help: "the amount of maximum workers for parallel executions")
    var maxWorkers: Int = 10

    @Flag(name: .customLong("private-infrastructure"), help: "skip transparency log verification when verifying artifacts in a privately deployed infrastructure (deprecated)")
    var privateInfrastructure = false

    @Flag(name: .customLong("offline"), help: "only allow offline verification (deprecated)")
    var offline = false

    @Flag(name: .customLong("new-bundle-format"), inversion: .prefixedNo, help: "look for Sigstore bundle referrers first (deprecated)")
    var newBundleFormat = true

    @OptionGroup var registry: RegistryOptions

    /// What a verifying command works with.
    struct Setup {
        var verifier: ImageVerifier
        var store: SignatureStore
        var publicKey: PublicKey?
    }

    /// Checks the flags, prints cosign's warning for an ignored log (naming `what` is verified) and builds the
    /// verifier. The caller closes the store.
    func setup(_ context: CommandContext, verifying what: String, annotations: [String: String] = [:]) throws -> Setup {
        if sk { throw CLIError("hardware security keys (--sk) are not supported yet") }
        if key != nil && (identity.certificateIdentity != nil || identity.certificateIdentityRegexp != nil) {
            throw CLIError("--key and --certificate-identity/--certificate-identity-regexp cannot be used together")
        }
        let ignoreTlog = verification.insecureIgnoreTlog || privateInfrastructure
        if !privateInfrastructure { verification.warnIfIgnoringLog(context, for: what) }
        let publicKey = try key.map { try KeyReference.publicKey($0, context: context) }
        let bundleVerification = try verification.make(publicKey: publicKey, identity: identity, ignoreTransparencyLog: ignoreTlog)
        var storeOptions = try registry.storeOptions(context: context)
        storeOptions.maxConcurrency = maxWorkers
        let store = SignatureStore(client: try registry.client(context: context), options: storeOptions)
        let verifier = ImageVerifier(
            store: store,
            options: .init(
                bundle: bundleVerification.options, trustMaterial: bundleVerification.trustMaterial, annotations: annotations,
                checkClaims: checkClaims))
        return Setup(verifier: verifier, store: store, publicKey: publicKey)
    }

    /// What `--local-image` verifies in a `cosign save` directory: its bundles and the digests they and the legacy
    /// signatures must name.
    struct LocalImage {
        var layout: OCILayout
        var bundles: [SignatureStore.StoredBundle]
        var bundleDigest: String
        var legacyDigest: String
    }

    static func localImage(_ path: String) throws -> LocalImage {
        let layout = OCILayout(path: path)
        let (bundleDigest, legacyDigest) = try layout.verificationDigests()
        let bundles = try bundleDigest.map { try layout.bundles(subject: $0) } ?? []
        return LocalImage(layout: layout, bundles: bundles, bundleDigest: bundleDigest ?? legacyDigest, legacyDigest: legacyDigest)
    }

    /// The manifest `ref` names, with cosign's "image tag not found" error.
    static func subject(_ ref: ImageReference, store: SignatureStore) async throws -> Descriptor {
        do {
            return try await store.resolve(ref)
        } catch let e as OCIError where e.code == .notFound {
            throw ImageVerificationError(.imageTagNotFound, "image tag not found: \(ref.name): manifest unknown")
        }
    }

    /// cosign's `PrintVerificationHeader`.
    func printHeader(_ name: String, fromBundles: Bool, keyBased: Bool, annotations: Bool, context: CommandContext) {
        context.info("\nVerification for \(name) --")
        context.info("The following checks were performed on each of these signatures:")
        if checkClaims {
            if annotations { context.info("  - The specified annotations were verified.") }
            context.info("  - The cosign claims were validated")
        }
        if fromBundles { context.info("  - Existence of the claims in the transparency log was verified offline") }
        if keyBased {
            context.info("  - The signatures were verified against the specified public key")
        } else {
            context.info("  - The code-signing certificate was verified using trusted certificate authority certificates")
        }
    }
}

/// The signer flags of `sign` and `attest`. Only `--key` is available: `keyPath` refuses the others.
struct SigningKeyOptions: ParsableArguments {
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
        if certificate != nil || certificateChain != nil {
            throw CLIError("attaching certificates (--certificate, --certificate-chain) is not supported yet")
        }
        return key
    }
}
