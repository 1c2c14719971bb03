import ArgumentParser
import Cosign
import CosignOCI
import Foundation
import OCIModels
import OCIRegistry
import SigstoreCrypto
import SigstoreModels
import SigstoreSign
import SigstoreJSON
import SigstoreCore

struct Sign: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign",
        abstract: "Sign the supplied container image.",
        discussion: """
              # keyless: an identity token, a Fulcio certificate, a Rekor entry (services from a signing config)
              cosign sign --signing-config signing_config.json --trusted-root trusted_root.json \\
                  --identity-token "$TOKEN" <IMAGE DIGEST>

              # sign a container image with a key pair, storing a Sigstore bundle as an OCI 1.1 referrer
              cosign sign --key cosign.key --tlog-upload=false <IMAGE DIGEST>

              # sign an index and every image in it
              cosign sign --key cosign.key --tlog-upload=false -r <IMAGE DIGEST>

              # cosign's legacy layout: a sha256-<hex>.sig image with simple-signing payloads
              cosign sign --key cosign.key --tlog-upload=false --new-bundle-format=false <IMAGE DIGEST>

              # sign with annotations
              cosign sign --key cosign.key --tlog-upload=false -a key1=value1 -a key2=value2 <IMAGE DIGEST>

            Without --key the signature is keyless. Legacy .sig images with keyless signatures need \
            --use-signing-config=false and the service URLs (--fulcio-url, --rekor-url, --oidc-issuer), as in cosign.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var services: SigningServiceOptions

    @OptionGroup var signer: SigningKeyOptions

    @Option(name: [.customShort("a"), .customLong("annotations")], help: "extra key=value pairs to sign")
    var annotations: [String] = []

    @Flag(name: [.customShort("r"), .customLong("recursive")], help: "if a multi-arch image is specified, additionally sign each discrete image")
    var recursive = false

    @Flag(name: .customLong("upload"), inversion: .prefixedNo, help: "whether to upload the signature")
    var upload = true

    @Option(name: .customLong("bundle"), help: "write everything required to verify the image to a FILE (new bundle format only)")
    var bundle: String?

    @Option(name: .customLong("output-signature"), help: "write the signature to FILE")
    var outputSignature: String?

    @Option(name: .customLong("output-payload"), help: "write the signed payload to FILE")
    var outputPayload: String?

    @Option(name: .customLong("output-certificate"), help: "write the certificate to FILE")
    var outputCertificate: String?

    @Option(name: .customLong("payload"), help: "path to a payload file to use rather than generating one")
    var payload: String?

    @Option(name: .customLong("sign-container-identity"), help: "manually set the .critical.docker-reference field for the signed identity, which is useful when image proxies are being used where the pull reference should match the signature")
    var signContainerIdentities: [String] = []

    @Flag(name: .customLong("record-creation-timestamp"), help: "set the createdAt timestamp in the signature artifact to the time it was created; by default, cosign sets this to the zero value")
    var recordCreationTimestamp = false

    @Flag(name: .customLong("new-bundle-format"), inversion: .prefixedNo, help: "store a Sigstore bundle as an OCI referrer rather than a legacy .sig image")
    var newBundleFormat = true

    @Option(name: .customLong("registry-referrers-mode"), help: "mode for fetching references from the registry. allowed: legacy, oci-1-1")
    var registryReferrersMode: String = ""

    @Flag(name: [.customShort("y"), .customLong("yes")], help: "skip confirmation prompts for non-destructive operations")
    var yes = false

    @OptionGroup var registry: RegistryOptions

    @Argument(help: "the images to sign")
    var images: [String] = []

    func validate() throws {
        guard !images.isEmpty else { throw ValidationError("requires at least 1 arg(s), only received 0") }
        if newBundleFormat && !upload && bundle == nil {
            throw ValidationError("must enable upload to the OCI registry or specify a local --bundle path with --new-bundle-format")
        }
    }

    func run() async throws {
        let command = self
        try await global.run { context in try await command.execute(context) }
    }

    private func execute(_ context: CommandContext) async throws {
        let key = try signer.keyReference()
        if !newBundleFormat && services.signingConfig != nil {
            throw CLIError("must provide --new-bundle-format or --bundle where applicable with --signing-config or --use-signing-config")
        }
        if !registryReferrersMode.isEmpty && !["legacy", "oci-1-1"].contains(registryReferrersMode) {
            throw CLIError("invalid --registry-referrers-mode \(registryReferrersMode): allowed values are legacy, oci-1-1")
        }
        if registryReferrersMode == "oci-1-1" {
            throw CLIError("--registry-referrers-mode=oci-1-1 is not supported yet")
        }
        if newBundleFormat && (payload != nil || !signContainerIdentities.isEmpty) {
            throw CLIError("--payload and --sign-container-identity only apply with --new-bundle-format=false")
        }
        if bundle != nil && recursive && newBundleFormat {
            throw CLIError("--bundle cannot be combined with --recursive: each image needs its own bundle")
        }
        let annotationMap = try ImageSigning.parseAnnotations(annotations)
        let staticPayload = try payload.map { path -> [UInt8] in
            context.info("Using payload from: \(path)")
            return try FileSystem.readFile(path, limit: 16 << 20)
        }
        let store = try registry.store(context: context)
        defer { store.close() }
        let client = store.client
        let plan = SigningSession.needsServices(key: key, options: services) ? try SigningSession.Plan(key: key, options: services, context: context) : nil
        // Every image and, with -r, every manifest of an index is resolved before signing starts: an unknown tag or
        // an unreachable registry costs no certificate and leaves nothing half-signed.
        var targets: [(Descriptor, ImageReference)] = []
        for image in images {
            let ref = try ImageSupport.parse(image)
            if ref.digest == nil { context.warn(ImageSupport.tagWarning(image)) }
            let root = try await ImageSupport.resolve(ref, store: store)
            for target in try await ImageSupport.walk(root, in: ref, recursive: recursive, client: client) {
                targets.append((target, ref.withDigest(target.digest)))
            }
        }
        let sign: (SigningContent) async throws -> SignedContent
        var session: SigningSession?
        if let plan {
            let started = try await SigningSession.start(key: key, options: services, yes: yes, promptsForLog: true, context: context, plan: plan)
            session = started
            sign = { try await started.sign($0) }
        } else {
            let signingKey = try KeyReference.signingKey(key!, context: context)
            let signer = ArtifactSigner(key: signingKey, services: SigningServices())
            sign = { try await signer.sign($0) }
        }
        do {
            for (target, digestRef) in targets {
                if newBundleFormat {
                    try await signBundle(target, ref: digestRef, sign: sign, annotations: annotationMap, store: store, context: context)
                } else {
                    try await signLegacy(
                        target, ref: digestRef, sign: sign, annotations: annotationMap, staticPayload: staticPayload, store: store,
                        context: context)
                }
            }
            await session?.close()
        } catch {
            await session?.close()
            throw error
        }
    }

    private func signBundle(
        _ subject: Descriptor, ref: ImageReference, sign: (SigningContent) async throws -> SignedContent, annotations: [String: String],
        store: SignatureStore, context: CommandContext
    ) async throws {
        let statement = try ImageSigning.signStatement(digest: subject.digest, annotations: annotations)
        let bytes = try await sign(.dsse(payload: statement, payloadType: CosignMediaType.inToto)).bundle().jsonData()
        if let bundle {
            try FileSystem.writeAtomically(bytes, to: bundle, mode: 0o600)
            context.info("Wrote bundle to file \(bundle)")
        }
        guard upload else { return }
        context.info("Pushing signature to: \(try pushTarget(ref, store: store))")
        try await store.writeBundleReferrer(
            bytes, subject: subject, of: ref, predicateType: ImageSigning.signPredicateType, created: context.now())
    }

    private func signLegacy(
        _ subject: Descriptor, ref: ImageReference, sign: (SigningContent) async throws -> SignedContent, annotations: [String: String],
        staticPayload: [UInt8]?, store: SignatureStore, context: CommandContext
    ) async throws {
        var payloads: [[UInt8]] = []
        if let staticPayload {
            payloads = [staticPayload]
        } else {
            let identities = signContainerIdentities.isEmpty ? [ref.repositoryName] : signContainerIdentities
            payloads = identities.map {
                SimpleSigningPayload(dockerReference: $0, manifestDigest: subject.digest, annotations: annotations.isEmpty ? nil : annotations)
                    .jsonBytes()
            }
        }
        var layers: [LegacyLayer] = []
        var keys: [PublicKey] = []
        var certificates: [String] = []
        for payload in payloads {
            let signed = try await sign(.message(payload))
            var annotations = signed.legacyAnnotations
            annotations[CosignAnnotation.signature] = Base64.encode(signed.signature)
            layers.append(LegacyLayer(payload: payload, mediaType: CosignMediaType.simpleSigning, annotations: annotations))
            keys.append(signed.publicKey)
            if let pem = signed.certificatePEM { certificates.append(pem) }
        }
        let suffix = recursive ? "-" + subject.digest.replacingOccurrences(of: ":", with: "-") : ""
        if let outputSignature {
            let text = layers.compactMap(\.base64Signature).joined(separator: "\n")
            try FileSystem.writeAtomically(Array(text.utf8), to: outputSignature + suffix, mode: 0o600)
        }
        if let outputPayload {
            try FileSystem.writeAtomically(Array(payloads.joined(separator: [UInt8(ascii: "\n")])), to: outputPayload + suffix, mode: 0o600)
        }
        if let outputCertificate, let pem = certificates.first {
            try FileSystem.writeAtomically(Array(pem.utf8), to: outputCertificate + suffix, mode: 0o600)
            context.info("Certificate wrote in the file \(outputCertificate + suffix)")
        }
        guard upload else { return }
        context.info("Pushing signature to: \(try pushTarget(ref, store: store))")
        let tag = try store.legacyTag(for: ref, digest: subject.digest, kind: .signature)
        for (layer, publicKey) in zip(layers, keys) {
            try await store.appendLegacy(
                layer, to: tag, isDuplicate: ImageSigning.duplicateDetector(for: layer, key: publicKey),
                created: recordCreationTimestamp ? context.now() : nil)
        }
    }

    /// What cosign prints after "Pushing signature to:": the image's repository, or `COSIGN_REPOSITORY` (without its
    /// registry, as cosign prints it).
    private func pushTarget(_ ref: ImageReference, store: SignatureStore) throws -> String {
        guard store.options.repositoryOverride != nil else { return ref.repositoryName }
        return try store.signatureRepository(for: ref).repository
    }
}
