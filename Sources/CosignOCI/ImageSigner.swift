public import Cosign
import Foundation
import OCIModels
import SigstoreCore
import SigstoreCrypto
import SigstoreModels
import SigstoreSign
import SigstoreJSON

/// `cosign sign`: signs images (and with `recursive` every manifest of an index) with a key or keyless, storing a
/// Sigstore bundle referrer or cosign's legacy `.sig` image. Every image is resolved before any certificate is
/// requested, and nothing is pushed unless signing succeeded.
public struct ImageSigner: Sendable {
    /// What `sign` does besides signing.
    public struct Options: Sendable {
        /// `-a key=value`: annotations signed with the image.
        public var annotations: [String: String] = [:]
        /// `-r`: sign every manifest of an index too.
        public var recursive = false
        /// `--upload`.
        public var upload = true
        /// `--bundle`: also write the bundle to this file (new format only).
        public var bundle: String?
        /// `--new-bundle-format`.
        public var newBundleFormat = true
        /// `--output-signature`, `--output-payload`, `--output-certificate` (legacy format).
        public var outputSignature: String?
        /// `--output-payload`.
        public var outputPayload: String?
        /// `--output-certificate`.
        public var outputCertificate: String?
        /// `--payload`: sign this payload instead of cosign's simple-signing document (legacy format).
        public var payload: [UInt8]?
        /// `--sign-container-identity`: the docker references to sign (legacy format).
        public var containerIdentities: [String] = []
        /// `--record-creation-timestamp`.
        public var recordCreationTimestamp = false
        /// `--registry-referrers-mode=oci-1-1`: a legacy signature is stored as an OCI 1.1 referrer of the image instead
        /// of on the `.sig` tag (the new bundle format always uses referrers).
        public var legacyAsReferrer = false
        /// Options with cosign's defaults.
        public init() {}
    }

    /// The `--key` reference; nil for keyless.
    public var key: String?
    /// The signing services and identity.
    public var signing: SigningOptions
    /// What to do besides signing.
    public var options: Options

    /// Creates a signer.
    public init(key: String?, signing: SigningOptions, options: Options) {
        self.key = key
        self.signing = signing
        self.options = options
    }

    /// Checks the flag combinations cosign refuses, before anything is read or asked for.
    public func validate() throws {
        if !options.newBundleFormat && signing.signingConfigPath != nil {
            throw CosignError(.invalidInput, "must provide --new-bundle-format or --bundle where applicable with --signing-config or --use-signing-config")
        }
        if options.newBundleFormat && (options.payload != nil || !options.containerIdentities.isEmpty) {
            throw CosignError(.invalidInput, "--payload and --sign-container-identity only apply with --new-bundle-format=false")
        }
        if options.bundle != nil && options.recursive && options.newBundleFormat {
            throw CosignError(.invalidInput, "--bundle cannot be combined with --recursive: each image needs its own bundle")
        }
    }

    /// Signs every image named in `images`, storing the signatures in `store`.
    public func sign(_ images: [String], in store: SignatureStore, console: Console) async throws {
        try validate()
        let plan = SigningPlan.needsServices(key: key, options: signing) ? try await SigningPlan(key: key, options: signing, console: console) : nil
        // Every image and, with -r, every manifest of an index is resolved before signing starts: an unknown tag or
        // an unreachable registry costs no certificate and leaves nothing half-signed.
        var targets: [(Descriptor, ImageReference)] = []
        for image in images {
            let ref = try ImageReference.argument(image)
            if ref.digest == nil { console.warn(ImageReference.tagWarning(image)) }
            let root = try await store.resolveImage(ref)
            for target in try await store.walk(root, in: ref, recursive: options.recursive) {
                targets.append((target, ref.withDigest(target.digest)))
            }
        }
        try await SigningPlan.withSigner(key: key, options: signing, plan: plan, promptsForLog: true, console: console) { sign in
            for (target, digestRef) in targets {
                if options.newBundleFormat {
                    try await signBundle(target, ref: digestRef, sign: sign, store: store, console: console)
                } else {
                    try await signLegacy(target, ref: digestRef, sign: sign, store: store, console: console)
                }
            }
        }
    }

    private func signBundle(_ subject: Descriptor, ref: ImageReference, sign: SignFunction, store: SignatureStore, console: Console) async throws {
        let statement = try ImageSigning.signStatement(digest: subject.digest, annotations: options.annotations)
        let bytes = try await sign(.dsse(payload: statement, payloadType: CosignMediaType.inToto)).bundle().jsonData()
        if let bundle = options.bundle {
            try FileSystem.writeAtomically(bytes, to: bundle, mode: 0o600)
            console.info("Wrote bundle to file \(bundle)")
        }
        guard options.upload else { return }
        console.info("Pushing signature to: \(try store.pushTarget(ref))")
        try await store.writeBundleReferrer(
            bytes, subject: subject, of: ref, predicateType: ImageSigning.signPredicateType, created: console.now())
    }

    private func signLegacy(_ subject: Descriptor, ref: ImageReference, sign: SignFunction, store: SignatureStore, console: Console) async throws {
        let payloads: [[UInt8]]
        if let payload = options.payload {
            payloads = [payload]
        } else {
            let identities = options.containerIdentities.isEmpty ? [ref.repositoryName] : options.containerIdentities
            payloads = identities.map {
                SimpleSigningPayload(
                    dockerReference: $0, manifestDigest: subject.digest, annotations: options.annotations.isEmpty ? nil : options.annotations
                ).jsonBytes()
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
        try writeLegacyOutputs(layers: layers, payloads: payloads, certificates: certificates, subject: subject, console: console)
        guard options.upload else { return }
        console.info("Pushing signature to: \(try store.pushTarget(ref))")
        if options.legacyAsReferrer {
            for (layer, publicKey) in zip(layers, keys) {
                let referrer = try await store.writeLegacyReferrer(
                    layer, subject: subject, of: ref, isDuplicate: ImageSigning.duplicateDetector(for: layer, key: publicKey),
                    created: options.recordCreationTimestamp ? console.now() : nil)
                console.info(
                    "Uploading signature for [\(ref.name)] to [\(ref.withDigest(referrer.digest).name)] with config.mediaType [\(CosignMediaType.signatureArtifact)] layers[0].mediaType [\(CosignMediaType.simpleSigning)].")
            }
            return
        }
        let tag = try store.legacyTag(for: ref, digest: subject.digest, kind: .signature)
        for (layer, publicKey) in zip(layers, keys) {
            try await store.appendLegacy(
                layer, to: tag, isDuplicate: ImageSigning.duplicateDetector(for: layer, key: publicKey),
                created: options.recordCreationTimestamp ? console.now() : nil)
        }
    }

    /// `--output-signature`, `--output-payload` and `--output-certificate`; with `-r` each file name gets the
    /// manifest's digest as a suffix.
    private func writeLegacyOutputs(
        layers: [LegacyLayer], payloads: [[UInt8]], certificates: [String], subject: Descriptor, console: Console
    ) throws {
        let suffix = options.recursive ? "-" + subject.digest.replacingOccurrences(of: ":", with: "-") : ""
        if let path = options.outputSignature {
            let text = layers.compactMap(\.base64Signature).joined(separator: "\n")
            try FileSystem.writeAtomically(Array(text.utf8), to: path + suffix, mode: 0o600)
        }
        if let path = options.outputPayload {
            try FileSystem.writeAtomically(Array(payloads.joined(separator: [UInt8(ascii: "\n")])), to: path + suffix, mode: 0o600)
        }
        if let path = options.outputCertificate, let pem = certificates.first {
            try FileSystem.writeAtomically(Array(pem.utf8), to: path + suffix, mode: 0o600)
            console.info("Certificate wrote in the file \(path + suffix)")
        }
    }
}

extension SignatureStore {
    /// What cosign prints after "Pushing signature to:": the image's repository, or `COSIGN_REPOSITORY` (without its
    /// registry, as cosign prints it).
    func pushTarget(_ ref: ImageReference) throws -> String {
        guard options.repositoryOverride != nil else { return ref.repositoryName }
        return try signatureRepository(for: ref).repository
    }
}
