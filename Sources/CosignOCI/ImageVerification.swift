#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif
public import Cosign
public import SigstoreCore
public import OCIModels
internal import SigstoreCrypto
import SigstoreModels
public import SigstoreVerify
public import SigstoreJSON

/// Why image verification found nothing to accept; each kind maps to cosign's exit code.
public typealias ImageVerificationError = CodedError<ImageVerificationErrorCode>

/// cosign's categories of image verification failure (`cmd/cosign/errors/exit_codes.go`).
public enum ImageVerificationErrorCode: String, ErrorCode {
    /// No signature is stored for the image (exit 10).
    case noSignaturesFound
    /// The image (tag or digest) does not exist (exit 11).
    case imageTagNotFound
    /// Signatures exist but none verified (exit 12).
    case noMatchingSignatures
    /// A keyless signature has no certificate (exit 13).
    case noCertificateFound

    public var description: String { rawValue }

    /// cosign's exit code for the category.
    public var exitStatus: Int32 {
        switch self {
        case .noSignaturesFound: 10
        case .imageTagNotFound: 11
        case .noMatchingSignatures: 12
        case .noCertificateFound: 13
        }
    }
}

/// Verifies the signatures stored for an image: Sigstore bundle referrers first, then the legacy `.sig` tag, as
/// cosign v3's `verify` does.
public struct ImageVerifier: Sendable {
    /// What to require of signatures.
    public struct Options: Sendable {
        /// Bundle verification settings (key or identities, transparency log, SCT, timestamps).
        public var bundle: BundleVerification.Options
        /// The trust material (empty for key-based verification without a log).
        public var trustMaterial: TrustMaterial
        /// `-a key=value` annotations every accepted signature must carry.
        public var annotations: [String: String]
        /// `--check-claims`: check the payload names the image digest (and the annotations).
        public var checkClaims: Bool
        /// `--experimental-oci11`: legacy signature images stored as OCI 1.1 referrers
        /// (`sign --registry-referrers-mode=oci-1-1`) are checked before the `.sig` tag's.
        public var legacyReferrers = false
        /// Creates options.
        public init(bundle: BundleVerification.Options, trustMaterial: TrustMaterial = TrustMaterial(), annotations: [String: String] = [:], checkClaims: Bool = true) {
            self.bundle = bundle
            self.trustMaterial = trustMaterial
            self.annotations = annotations
            self.checkClaims = checkClaims
        }
    }

    /// A signature that verified.
    public struct VerifiedSignature: Sendable {
        /// Where it was stored.
        public enum Source: Sendable {
            /// A bundle referrer.
            case bundle(SignatureStore.StoredBundle)
            /// A layer of the legacy `.sig` image.
            case legacy(LegacyLayer)
        }
        /// Where it came from.
        public var source: Source
        /// The payload cosign prints: the simple-signing document (legacy) or one synthesised from the statement.
        public var output: OrderedJSON
        /// The raw signed payload (simple-signing JSON or the DSSE statement).
        public var payload: [UInt8]
        /// The bundle verification result, for bundles.
        public var result: VerificationResult?
    }

    /// The outcome for one image.
    public struct Outcome: Sendable {
        /// The verified signatures.
        public var signatures: [VerifiedSignature]
        /// Whether they came from bundles (else from the legacy tag).
        public var fromBundles: Bool
    }

    /// The store signatures are read from.
    public let store: SignatureStore
    /// The requirements.
    public let options: Options
    let now: @Sendable () -> Date

    /// Creates a verifier.
    public init(store: SignatureStore, options: Options, now: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.options = options
        self.now = now
    }

    /// Verifies the signatures of `image` (whose manifest is `subject`). Attachments are downloaded as they are
    /// verified and those that fail are released at once (``AttachmentList``).
    public func verify(_ image: ImageReference, subject: Descriptor) async throws -> Outcome {
        let bundles = try await store.bundleList(of: subject.digest, image: image)
        let store = self.store
        let referrers = options.legacyReferrers
        return try await verify(bundles: bundles, digest: subject.digest, legacyDigest: subject.digest, dockerReference: image.name) {
            let tagged = try await store.legacyLayerList(try store.legacyTag(for: image, digest: subject.digest, kind: .signature))?.layers
            guard referrers else { return tagged }
            let referred = try await store.legacyReferrerLayers(of: subject.digest, image: image)
            guard let tagged else { return referred.count > 0 ? referred : nil }
            return referred.appending(tagged)
        }
    }

    /// Verifies signatures found elsewhere (a registry, a `cosign save` layout): `bundles` when there are any (their
    /// statements must name `digest`), else the layers `legacyLayers` returns (nil: no `.sig` image), whose claims
    /// must name `legacyDigest`.
    public func verify(
        bundles: [SignatureStore.StoredBundle], digest: String, legacyDigest: String, dockerReference: String,
        legacyLayers: () async throws -> [LegacyLayer]?
    ) async throws -> Outcome {
        try await verify(bundles: AttachmentList(loaded: bundles), digest: digest, legacyDigest: legacyDigest, dockerReference: dockerReference) {
            try await legacyLayers().map { AttachmentList(loaded: $0) }
        }
    }

    /// Verifies signatures from attachment lists (see ``verify(bundles:digest:legacyDigest:dockerReference:legacyLayers:)``).
    public func verify(
        bundles: AttachmentList<SignatureStore.StoredBundle>, digest: String, legacyDigest: String, dockerReference: String,
        legacyLayers: () async throws -> AttachmentList<LegacyLayer>?
    ) async throws -> Outcome {
        let bundleChecks = try await bundles.map { stored in
            await Result(asyncCatching: { try await self.verifyBundle(stored, dockerReference: dockerReference, digest: digest) })
        }
        if !bundleChecks.isEmpty {
            var failures: [String] = []
            var verified: [VerifiedSignature] = []
            for check in bundleChecks {
                switch check {
                case .success(let signature): verified.append(signature)
                case .failure(let e as VerificationError): failures.append("verification failed (\(e.check.rawValue) check): \(e.message)")
                case .failure(let e as CosignError): failures.append(e.message)
                case .failure(let e): throw e
                }
            }
            if !verified.isEmpty { return Outcome(signatures: verified, fromBundles: true) }
            // Anyone who can push a referrer could otherwise hide a valid legacy signature: when no bundle verifies,
            // the `.sig` image still gets its turn, and its failures join the bundles' in the error.
            if let layers = try? await legacyLayers(),
                let checks = try? await layers.map({ layer in await Result(asyncCatching: { try await self.verifyLegacy(layer, digest: legacyDigest) }) }),
                !checks.isEmpty
            {
                var legacyFailures: [String] = []
                for check in checks {
                    switch check {
                    case .success(let signature): verified.append(signature)
                    case .failure(let e as any ReportableError): legacyFailures.append(e.message)
                    case .failure(let e): throw e
                    }
                }
                if !verified.isEmpty { return Outcome(signatures: verified, fromBundles: false) }
                failures += legacyFailures.map { "legacy signature: " + $0 }
            }
            // cosign's bundle path returns its error unwrapped: exit status 1, not one of the legacy codes.
            throw CosignError(.verificationFailed, "no matching attestations: " + Self.summarize(failures))
        }
        guard let layers = try await legacyLayers(), layers.count > 0 else {
            throw ImageVerificationError(.noSignaturesFound, "no signatures found")
        }
        let checks = try await layers.map { layer in await Result(asyncCatching: { try await self.verifyLegacy(layer, digest: legacyDigest) }) }
        var failures: [String] = []
        var verified: [VerifiedSignature] = []
        let singleLayer = layers.count == 1
        for check in checks {
            switch check {
            case .success(let signature): verified.append(signature)
            case .failure(let e as CosignError): failures.append(e.message)
            case .failure(let e as VerificationError): failures.append("verification failed (\(e.check.rawValue) check): \(e.message)")
            case .failure(let e as ImageVerificationError) where e.code == .noCertificateFound:
                if singleLayer { throw e }
                failures.append(e.message)
            case .failure(let e): throw e
            }
        }
        guard !verified.isEmpty else {
            throw ImageVerificationError(.noMatchingSignatures, "no matching signatures: " + Self.summarize(failures))
        }
        return Outcome(signatures: verified, fromBundles: false)
    }

    /// Distinct failure reasons, in order, joined.
    static func summarize(_ failures: [String]) -> String {
        var seen: Set<String> = []
        return failures.filter { seen.insert($0).inserted }.joined(separator: "; ")
    }

    // MARK: Bundles

    func verifyBundle(_ stored: SignatureStore.StoredBundle, dockerReference: String, digest: String) async throws -> VerifiedSignature {
        guard case .dsseEnvelope(let envelope) = stored.bundle.content else {
            throw CosignError(.verificationFailed, "bundle \(stored.manifest.digest) holds a message signature, not a DSSE envelope over the image")
        }
        let verification = BundleVerification(trustMaterial: options.trustMaterial, options: options.bundle, now: now)
        let result = try await verification.verify(bundle: stored.bundle, artifact: ArtifactInput.digest(try Self.sha256Digest(digest)))
        let payload = envelope.payload.bytes
        guard let statement = try? JSONParser.parse(payload), statement.objectMembers != nil else {
            throw CosignError(.verificationFailed, "bundle \(stored.manifest.digest): the DSSE payload is not a JSON object")
        }
        // cosign's IntotoSubjectClaimVerifier: a subject naming the digest whose annotations include the -a values.
        let hex = String(digest.dropFirst("sha256:".count))
        var subjectAnnotations: [(String, OrderedJSON)] = []
        var matched = false
        for subject in statement["subject"]?.arrayValue ?? [] {
            guard subject["digest"]?["sha256"] == .string(hex) else { continue }
            let annotations = subject["annotations"]?.objectMembers ?? []
            let found = OrderedJSON.object(annotations)
            if options.annotations.allSatisfy({ found[$0.key]?.text == $0.value }) {
                matched = true
                subjectAnnotations = annotations
                break
            }
        }
        if options.checkClaims && !matched {
            if options.annotations.isEmpty {
                throw CosignError(.verificationFailed, "no statement subject of bundle \(stored.manifest.digest) names \(digest)")
            }
            throw CosignError(.verificationFailed, "missing or incorrect annotation")
        }
        let predicateType = statement["predicateType"]?.stringValue ?? ""
        let output = SimpleSigningPayload.document(
            dockerReference: dockerReference, manifestDigest: digest, type: predicateType, optional: OrderedJSON.object(subjectAnnotations).sortingKeys)
        return VerifiedSignature(source: .bundle(stored), output: output, payload: payload, result: result)
    }

    static func sha256Digest(_ digest: String) throws -> ArtifactDigest {
        guard digest.hasPrefix("sha256:"), let bytes = Hex.decode(String(digest.dropFirst(7))), bytes.count == 32 else {
            throw CosignError(.invalidInput, "unsupported image digest \(digest): only sha256 is supported")
        }
        return try ArtifactDigest(algorithm: .sha256, bytes: bytes)
    }

    // MARK: Legacy

    func verifyLegacy(_ layer: LegacyLayer, digest: String) async throws -> VerifiedSignature {
        var result: VerificationResult?
        if var bundle = try LegacySignatureBundle.bundle(for: layer) {
            // Certificate and/or Rekor bundle annotations: the bundle verifier checks them over the payload.
            if options.bundle.publicKey == nil, case .publicKey = bundle.verificationMaterial.signer {
                throw ImageVerificationError(.noCertificateFound, "no certificate found on signature")
            }
            // With --key the key verifies the signature and the certificate annotation is not used (Go cosign's
            // SigVerifier path); a log entry must still record that key (or a certificate for it).
            if options.bundle.publicKey != nil { bundle.verificationMaterial.signer = .publicKey(hint: nil) }
            let verification = BundleVerification(trustMaterial: options.trustMaterial, options: options.bundle, now: now)
            result = try await verification.verify(bundle: bundle, artifact: ArtifactInput.data(Data(layer.payload)))
        } else {
            guard let key = options.bundle.publicKey else {
                throw ImageVerificationError(.noCertificateFound, "no certificate found on signature")
            }
            guard let b64 = layer.base64Signature, let signature = Base64.decode(b64) else {
                throw CosignError(.verificationFailed, "layer \(layer.digest) has no valid base64 signature annotation")
            }
            if !options.bundle.ignoreTransparencyLog {
                throw CosignError(
                    .verificationFailed,
                    "signature \(layer.digest) has no transparency log entry (pass --insecure-ignore-tlog to skip this check)")
            }
            do {
                try ImageSigning.checkLegacySignature(signature, over: layer.payload, key: key)
            } catch let e as SigstoreCryptoError {
                throw CosignError(.verificationFailed, "invalid signature when validating ASN.1 encoded signature: \(e.message)")
            }
        }
        guard let parsed = SimpleSigningPayload.parse(layer.payload) else {
            throw CosignError(.verificationFailed, "layer \(layer.digest) is not a simple-signing payload")
        }
        if options.checkClaims {
            guard parsed.manifestDigest == digest else {
                throw CosignError(.verificationFailed, "invalid or missing digest in claim: \(parsed.manifestDigest)")
            }
            guard options.annotations.allSatisfy({ parsed.optional[$0.key] == $0.value }) else {
                throw CosignError(.verificationFailed, "missing or incorrect annotation")
            }
        }
        return VerifiedSignature(source: .legacy(layer), output: Self.simpleSigningOutput(parsed), payload: layer.payload, result: result)
    }

    /// The simple-signing document as Go re-marshals it (`payload.SimpleContainerImage`): critical fields in struct
    /// order, `optional` keys sorted, null when absent.
    static func simpleSigningOutput(_ parsed: SimpleSigningPayload.Parsed) -> OrderedJSON {
        var optional: OrderedJSON = .null
        if let members = OrderedJSON.object(parsed.object)["optional"]?.objectMembers { optional = OrderedJSON.object(members).sortingKeys }
        return SimpleSigningPayload.document(
            dockerReference: parsed.dockerReference ?? "", manifestDigest: parsed.manifestDigest, type: parsed.type, optional: optional)
    }
}
