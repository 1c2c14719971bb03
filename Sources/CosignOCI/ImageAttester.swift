public import Cosign
import Foundation
import OCIModels
import SigstoreCore
import SigstoreJSON
import SigstoreModels
import SigstoreSign

/// `cosign attest`: signs an in-toto statement about each image and stores it as a DSSE bundle referrer, or as a layer
/// of cosign's legacy `.att` image.
public struct ImageAttester: Sendable {
    /// What `attest` does besides signing.
    public struct Options: Sendable {
        /// `--bundle`: also write the bundle (or cosign's legacy bundle) to this file.
        public var bundle: String?
        /// `--new-bundle-format`.
        public var newBundleFormat = true
        /// `--no-upload`.
        public var upload = true
        /// `--replace`: drop earlier attestations of the same predicate type (legacy `.att` images).
        public var replace = false
        /// `--record-creation-timestamp`.
        public var recordCreationTimestamp = false
        /// Options with cosign's defaults.
        public init() {}
    }

    /// The `--key` reference; nil for keyless.
    public var key: String?
    /// The signing services and identity.
    public var signing: SigningOptions
    /// The predicate and its type.
    public var input: AttestationInput
    /// What to do besides signing.
    public var options: Options

    /// Creates an attester.
    public init(key: String?, signing: SigningOptions, input: AttestationInput, options: Options) {
        self.key = key
        self.signing = signing
        self.input = input
        self.options = options
    }

    /// Checks the flag combinations cosign refuses and reads the predicate, before the registry is contacted.
    public func prepare(imageCount: Int, console: Console) throws -> [UInt8] {
        if !options.newBundleFormat && signing.signingConfigPath != nil {
            throw CosignError(.invalidInput, "must provide --new-bundle-format or --bundle where applicable with --signing-config or --use-signing-config")
        }
        guard let predicatePath = input.predicate else { throw CosignError(.invalidInput, "predicate cannot be empty") }
        if options.bundle != nil && imageCount > 1 && options.newBundleFormat {
            throw CosignError(.invalidInput, "--bundle cannot be combined with several images: each image needs its own bundle")
        }
        _ = try PredicateType.validatedURI(for: input.type)
        console.info("Using payload from: \(predicatePath == "-" ? "standard input" : predicatePath)")
        return try AttestationInput.read(predicatePath, console: console)
    }

    /// Attests every image named in `images` with `predicate` (from ``prepare(imageCount:console:)``), storing the attestations
    /// in `store`.
    public func attest(_ images: [String], predicate: [UInt8], in store: SignatureStore, console: Console) async throws {
        let predicateType = try PredicateType.validatedURI(for: input.type)
        let predicatePath = input.predicate ?? "-"
        let plan = SigningPlan.needsServices(key: key, options: signing) ? try await SigningPlan(key: key, options: signing, console: console) : nil
        // Resolve every image before any signing, so an unreachable registry or unknown tag costs no certificate.
        var targets: [(String, ImageReference, Descriptor)] = []
        for image in images {
            let ref = try ImageReference.argument(image)
            if ref.digest == nil { console.warn(ImageReference.tagWarning(image)) }
            targets.append((image, ref, try await store.resolveImage(ref)))
        }
        try await SigningPlan.withSigner(key: key, options: signing, plan: plan, promptsForLog: false, console: console) { sign in
            for (image, ref, subject) in targets {
                let hex = String(subject.digest.drop { $0 != ":" }.dropFirst())
                let statement = try input.statement(
                    predicate: predicate, path: predicatePath, subjectName: ref.repositoryName, sha256: hex, time: console.now(),
                    validateType: true)
                let signed = try await sign(.dsse(payload: statement, payloadType: AttestationStatement.payloadType))
                let digestRef = ref.withDigest(subject.digest)
                do {
                    if options.newBundleFormat {
                        try await storeBundle(signed, subject: subject, ref: digestRef, predicateType: predicateType, store: store, console: console)
                    } else {
                        try await storeLegacy(signed, subject: subject, ref: digestRef, predicateType: predicateType, store: store, console: console)
                    }
                } catch let error as CosignError {
                    throw error.adding(context: "signing \(image)")
                }
            }
        }
    }

    private func storeBundle(
        _ signed: SignedContent, subject: Descriptor, ref: ImageReference, predicateType: String, store: SignatureStore, console: Console
    ) async throws {
        let bytes = signed.bundle().jsonData()
        if let bundle = options.bundle {
            try FileSystem.writeAtomically(bytes, to: bundle, mode: 0o600)
            console.info("Wrote bundle to file \(bundle)")
        }
        guard options.upload else { return }
        try await store.writeBundleReferrer(bytes, subject: subject, of: ref, predicateType: predicateType, created: console.now())
    }

    private func storeLegacy(
        _ signed: SignedContent, subject: Descriptor, ref: ImageReference, predicateType: String, store: SignatureStore, console: Console
    ) async throws {
        guard let envelope = signed.envelope else { throw CosignError(.invalidInput, "the signer returned no DSSE envelope") }
        let envelopeJSON = envelope.orderedJSON.serialized(escapeHTML: true)
        try AttestationInput.writeLegacyBundle(options.bundle, envelopeJSON: envelopeJSON, signed: signed, console: console)
        guard options.upload else { return }
        let tag = try store.legacyTag(for: ref, digest: subject.digest, kind: .attestation)
        var layer = ImageSigning.legacyAttestationLayer(envelopeJSON: envelopeJSON, predicateType: predicateType)
        layer.annotations.merge(signed.legacyAnnotations) { _, new in new }
        var drop: Set<String> = []
        if options.replace, let existing = try await store.legacyImage(tag) {
            let replacement = try ImageAttesting.replacement(of: existing.layers, predicateType: predicateType)
            replacement.messages.forEach { console.info($0) }
            drop = replacement.drop
        }
        // Attestation layers carry an empty signature annotation, so cosign's duplicate detector never matches them:
        // every run adds a layer.
        let dropped = drop
        var replacing: (@Sendable (Descriptor) -> Bool)?
        if !dropped.isEmpty {
            replacing = { (descriptor: Descriptor) -> Bool in dropped.contains(descriptor.digest) }
        }
        // As in cosign, the creation time is recorded on the append path, not when --replace rebuilds the image.
        try await store.appendLegacy(
            layer, to: tag, replacing: replacing, created: options.recordCreationTimestamp && !options.replace ? console.now() : nil)
    }
}
