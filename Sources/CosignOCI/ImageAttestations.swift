#if canImport(FoundationEssentials)
internal import FoundationEssentials
#else
internal import Foundation
#endif
internal import Cosign
public import OCIModels
internal import SigstoreCrypto
public import SigstoreModels
public import SigstoreVerify
import SigstoreJSON
import SigstoreCore

/// An attestation found on an image that verified.
public struct VerifiedAttestation: Sendable {
    /// What cosign prints for it: the DSSE envelope JSON (the layer bytes for a legacy `.att` layer; the envelope
    /// re-serialised with `payload`, `payloadType`, `signatures` for a bundle).
    public var output: [UInt8]
    /// The envelope.
    public var envelope: DSSEEnvelope
    /// The statement's predicate type.
    public var predicateType: String
    /// The bundle verification result, for bundles.
    public var result: VerificationResult?
}

extension DSSEEnvelope {
    /// The predicate type of the in-toto statement this envelope carries (cosign's `AttestationToPayloadJSON`).
    public func statementPredicateType() throws -> String {
        guard let statement = InTotoStatement(payload: payload.bytes) else {
            throw CosignError(
                .verificationFailed, "converting to consumable policy validation: unmarshal in-toto statement: the payload is not an in-toto statement")
        }
        return statement.predicateType ?? ""
    }
}

extension ImageVerifier {
    /// The outcome of verifying an image's attestations.
    public struct AttestationOutcome: Sendable {
        /// Every attestation that verified, whatever its predicate type (cosign filters afterwards).
        public var attestations: [VerifiedAttestation]
        /// Whether they came from bundle referrers (else from the legacy `.att` tag).
        public var fromBundles: Bool

        /// The attestations whose statement has the predicate type `type` stands for (a short name or a URI), or
        /// cosign's error naming the types that were found.
        public func matching(type: String) throws -> [VerifiedAttestation] {
            guard !type.isEmpty else { throw CosignError(.invalidInput, "missing predicate type") }
            let uri = PredicateType.uri(for: type)
            let matches = attestations.filter { $0.predicateType == uri }
            guard !matches.isEmpty else {
                throw CosignError(
                    .verificationFailed,
                    "none of the attestations matched the predicate type: \(type), found: \(attestations.map(\.predicateType).joined(separator: ","))")
            }
            return matches
        }
    }

    /// Verifies the attestations of `image` (whose manifest is `subject`) as cosign v3's `verify-attestation` does:
    /// every Sigstore bundle referrer (signatures from `cosign sign` included: they are DSSE statements too) when there
    /// are any, else the layers of the legacy `sha256-<hex>.att` image. Fails with "no matching attestations" when none
    /// verifies.
    public func verifyAttestations(_ image: ImageReference, subject: Descriptor) async throws -> AttestationOutcome {
        let bundles = try await store.bundleList(of: subject.digest, image: image)
        let store = self.store
        return try await verifyAttestations(bundles: bundles, digest: subject.digest, legacyDigest: subject.digest) {
            try await store.legacyLayerList(try store.legacyTag(for: image, digest: subject.digest, kind: .attestation))?.layers
        }
    }

    /// Verifies attestations found elsewhere (a registry, a `cosign save` layout): `bundles` when there are any, else
    /// the layers `legacyLayers` returns (nil: no `.att` image).
    public func verifyAttestations(
        bundles: [SignatureStore.StoredBundle], digest: String, legacyDigest: String, legacyLayers: () async throws -> [LegacyLayer]?
    ) async throws -> AttestationOutcome {
        try await verifyAttestations(bundles: AttachmentList(loaded: bundles), digest: digest, legacyDigest: legacyDigest) {
            try await legacyLayers().map { AttachmentList(loaded: $0) }
        }
    }

    /// Verifies attestations from attachment lists, each downloaded as it is verified and released if it fails.
    public func verifyAttestations(
        bundles: AttachmentList<SignatureStore.StoredBundle>, digest: String, legacyDigest: String,
        legacyLayers: () async throws -> AttachmentList<LegacyLayer>?
    ) async throws -> AttestationOutcome {
        var failures: [String] = []
        var verified: [VerifiedAttestation] = []
        let artifactDigest = try Self.sha256Digest(digest)
        let bundleChecks = try await bundles.map { stored in
            await Result(asyncCatching: { try await self.verifyBundleAttestation(stored, digest: artifactDigest) })
        }
        if !bundleChecks.isEmpty {
            for check in bundleChecks {
                switch check {
                case .success(let attestation): verified.append(attestation)
                case .failure(let e as VerificationError): failures.append("verification failed (\(e.check.rawValue) check): \(e.message)")
                case .failure(let e as CosignError) where e.isVerificationFailure: failures.append(e.message)
                case .failure(let e): throw e
                }
            }
            guard !verified.isEmpty else {
                throw CosignError(.verificationFailed, "no matching attestations: " + Self.summarize(failures))
            }
            return AttestationOutcome(attestations: verified, fromBundles: true)
        }
        let checks = try await legacyLayers()?.map { layer in
            await Result(asyncCatching: { try await self.verifyLegacyAttestation(layer, digest: legacyDigest) })
        } ?? []
        for check in checks {
            switch check {
            case .success(let attestation): verified.append(attestation)
            case .failure(let e as CosignError) where e.isVerificationFailure: failures.append(e.message)
            case .failure(let e as VerificationError): failures.append("verification failed (\(e.check.rawValue) check): \(e.message)")
            case .failure(let e): throw e
            }
        }
        guard !verified.isEmpty else {
            throw CosignError(.verificationFailed, "no matching attestations: " + Self.summarize(failures))
        }
        return AttestationOutcome(attestations: verified, fromBundles: false)
    }

    /// One bundle referrer: a DSSE envelope whose statement names `digest`.
    func verifyBundleAttestation(_ stored: SignatureStore.StoredBundle, digest: ArtifactDigest) async throws -> VerifiedAttestation {
        guard case .dsseEnvelope(let envelope) = stored.bundle.content else {
            throw CosignError(.verificationFailed, "bundle does not contain a DSSE envelope")
        }
        let verification = BundleVerification(trustMaterial: options.trustMaterial, options: options.bundle, now: now)
        let result = try await verification.verify(bundle: stored.bundle, artifact: ArtifactInput.digest(digest))
        return VerifiedAttestation(
            output: envelope.orderedJSON.serialized(escapeHTML: true), envelope: envelope,
            predicateType: try envelope.statementPredicateType(), result: result)
    }

    /// One legacy `.att` layer: a DSSE envelope over an in-toto statement, signed with the key.
    func verifyLegacyAttestation(_ layer: LegacyLayer, digest: String) async throws -> VerifiedAttestation {
        guard let envelope = try? JSONCoding.decode(DSSEEnvelope.self, from: layer.payload, what: "attestation") else {
            throw CosignError(.verificationFailed, "layer \(layer.digest) is not a DSSE envelope")
        }
        guard envelope.payloadType == CosignMediaType.inToto else {
            throw CosignError(
                .verificationFailed, "invalid payloadType \(envelope.payloadType) on envelope. Expected \(CosignMediaType.inToto)")
        }
        if let bundle = try LegacySignatureBundle.bundle(for: layer) {
            // Certificate and/or Rekor bundle annotations: the bundle verifier checks the chain, the SET, the entry
            // against the envelope, the identity and the statement's subject.
            if options.bundle.publicKey == nil, case .publicKey = bundle.verificationMaterial.signer {
                throw CosignError(.verificationFailed, "layer \(layer.digest): no certificate found on attestation")
            }
            let verification = BundleVerification(trustMaterial: options.trustMaterial, options: options.bundle, now: now)
            let result = try await verification.verify(bundle: bundle, artifact: ArtifactInput.digest(try Self.sha256Digest(digest)))
            return VerifiedAttestation(output: layer.payload, envelope: envelope, predicateType: try envelope.statementPredicateType(), result: result)
        }
        guard let key = options.bundle.publicKey else {
            throw CosignError(.verificationFailed, "layer \(layer.digest): no certificate found on attestation")
        }
        if !options.bundle.ignoreTransparencyLog {
            throw CosignError(
                .verificationFailed,
                "attestation \(layer.digest) has no transparency log entry (pass --insecure-ignore-tlog to skip this check)")
        }
        try AttestationChecks.verifyEnvelope(envelope, publicKey: key)
        if options.checkClaims {
            try AttestationChecks.checkSubject(envelope, digest: try Self.sha256Digest(digest))
        }
        return VerifiedAttestation(output: layer.payload, envelope: envelope, predicateType: try envelope.statementPredicateType())
    }
}

/// Writing attestations to an image's legacy `.att` tag.
public enum ImageAttesting {
    /// What `attest --replace` does with the layers already stored: the digests of those whose statement has
    /// `predicateType` (to be dropped), and cosign's stderr line for each layer.
    public static func replacement(
        of layers: [LegacyLayer], predicateType: String
    ) throws -> (drop: Set<String>, messages: [String]) {
        var drop: Set<String> = []
        var messages: [String] = []
        for layer in layers {
            guard case .object? = try? JSONParser.parse(layer.payload) else {
                throw CosignError(.invalidInput, "could not find 'payload' in payload data")
            }
            guard let envelope = try? JSONCoding.decode(DSSEEnvelope.self, from: layer.payload, what: "attestation") else {
                throw CosignError(.invalidInput, "invalid payload: could not decode the DSSE envelope of layer \(layer.digest)")
            }
            guard let statement = envelope.statement else {
                throw CosignError(.invalidInput, "unmarshal payloadData: layer \(layer.digest) holds no in-toto statement")
            }
            guard let type = statement.predicateType else {
                throw CosignError(.invalidInput, "could not find 'predicateType' in payload data")
            }
            if type == predicateType {
                drop.insert(layer.digest)
                messages.append("Replacing attestation predicate: \(type)")
            } else {
                messages.append("Not replacing attestation predicate: \(type)")
            }
        }
        return (drop, messages)
    }
}
