public import Cosign
import Foundation
public import OCIModels
public import SigstoreCrypto
import SigstoreCore
public import SigstoreJSON
import SigstoreModels
public import SigstoreVerify

extension ImageVerifier {
    /// The verifier `cosign verify` and `verify-attestation` build from their flags: a key or identities, the trusted
    /// root, `-a` annotations and `--check-claims`.
    public init(
        verification: VerificationOptions, publicKey: PublicKey?, annotations: [String: String] = [:], checkClaims: Bool,
        legacyReferrers: Bool = false, store: SignatureStore, console: Console
    ) async throws {
        let bundle = try await verification.bundleVerification(publicKey: publicKey, console: console)
        var options = Options(bundle: bundle.options, trustMaterial: bundle.trustMaterial, annotations: annotations, checkClaims: checkClaims)
        options.legacyReferrers = legacyReferrers
        self.init(store: store, options: options)
    }

    /// The manifest `ref` names, with cosign's "image tag not found" error (exit 11).
    public func subject(_ ref: ImageReference) async throws -> Descriptor {
        do {
            return try await store.resolve(ref)
        } catch let error as OCIError where error.code == .notFound {
            throw ImageVerificationError(.imageTagNotFound, "image tag not found: \(ref.name): manifest unknown", underlying: error)
        }
    }

    /// Verifies the signatures of `image`: a registry reference, or with `localImage` a `cosign save` directory.
    /// Returns the outcome and the name cosign prints for the image.
    public func verifySignatures(of image: String, localImage: Bool) async throws -> (outcome: Outcome, name: String) {
        if localImage {
            let local = try LocalImage(path: image)
            if local.bundles.isEmpty, try local.layout.entry(.signatures) == nil {
                throw CosignError(.invalidInput, "no signatures associated with the image saved in \(image)")
            }
            let outcome = try await verify(
                bundles: local.bundles, digest: local.bundleDigest, legacyDigest: local.legacyDigest, dockerReference: "",
                legacyLayers: { try local.layout.legacyLayers(.signatures) })
            return (outcome, image)
        }
        let ref = try ImageReference.argument(image)
        return (try await verify(ref, subject: try await subject(ref)), ref.name)
    }

    /// Verifies the attestations of `image` (a registry reference, or a `cosign save` directory).
    public func verifyAttestations(of image: String, localImage: Bool) async throws -> (outcome: AttestationOutcome, name: String) {
        if localImage {
            let local = try LocalImage(path: image)
            if local.bundles.isEmpty, try local.layout.entry(.attestations) == nil {
                throw CosignError(.invalidInput, "no attestations provided")
            }
            let outcome = try await verifyAttestations(
                bundles: local.bundles, digest: local.bundleDigest, legacyDigest: local.legacyDigest,
                legacyLayers: { try local.layout.legacyLayers(.attestations) })
            return (outcome, image)
        }
        let ref = try ImageReference.argument(image)
        let subject: Descriptor
        do {
            subject = try await self.subject(ref)
        } catch let error as ImageVerificationError {
            // verify-attestation exits 1 whatever the error.
            throw CosignError(.invalidInput, error.message, underlying: error)
        }
        return (try await verifyAttestations(ref, subject: subject), ref.name)
    }
}

/// What `--local-image` verifies in a `cosign save` directory: its bundles and the digests they and the legacy
/// signatures must name.
struct LocalImage {
    var layout: OCILayout
    var bundles: [SignatureStore.StoredBundle]
    var bundleDigest: String
    var legacyDigest: String

    init(path: String) throws {
        let layout = OCILayout(path: path)
        let (bundleDigest, legacyDigest) = try layout.verificationDigests()
        self.layout = layout
        bundles = try bundleDigest.map { try layout.bundles(subject: $0) } ?? []
        self.bundleDigest = bundleDigest ?? legacyDigest
        self.legacyDigest = legacyDigest
    }
}

/// What the verify commands print: cosign's check lines, the certificate lines and the JSON output.
public enum VerificationReport {
    /// cosign's `PrintVerificationHeader` lines.
    public static func header(_ name: String, fromBundles: Bool, keyBased: Bool, annotations: Bool, checkClaims: Bool) -> [String] {
        var lines = ["\nVerification for \(name) --", "The following checks were performed on each of these signatures:"]
        if checkClaims {
            if annotations { lines.append("  - The specified annotations were verified.") }
            lines.append("  - The cosign claims were validated")
        }
        if fromBundles { lines.append("  - Existence of the claims in the transparency log was verified offline") }
        lines.append(
            keyBased
                ? "  - The signatures were verified against the specified public key"
                : "  - The code-signing certificate was verified using trusted certificate authority certificates")
        return lines
    }

    /// The certificate subject and issuer lines for a certificate-signed result.
    public static func certificateLines(_ result: VerificationResult?) -> [String] {
        guard let result, result.certificate != nil else { return [] }
        var lines = ["Certificate subject: \(result.subjectAlternativeName ?? "")"]
        if let issuer = result.issuer, !issuer.isEmpty { lines.append("Certificate issuer URL: \(issuer)") }
        return lines
    }

    /// The signature as `verify -o json` prints it: cosign adds the certificate's subject and issuer to `optional`
    /// for certificate-signed signatures.
    public static func json(_ signature: ImageVerifier.VerifiedSignature) -> OrderedJSON {
        guard let result = signature.result, result.certificate != nil, case .object(var members) = signature.output else {
            return signature.output
        }
        var optional: [(String, OrderedJSON)] = []
        if let index = members.firstIndex(where: { $0.0 == "optional" }) {
            if case .object(let existing) = members[index].1 { optional = existing }
            members.remove(at: index)
        }
        optional.removeAll { ["Subject", "Issuer", "1.3.6.1.4.1.57264.1.1"].contains($0.0) }
        optional.append(("Subject", .string(result.subjectAlternativeName ?? "")))
        if let issuer = result.issuer, !issuer.isEmpty {
            optional.append(("Issuer", .string(issuer)))
            optional.append(("1.3.6.1.4.1.57264.1.1", .string(issuer)))
        }
        optional.sort { $0.0 < $1.0 }
        members.append(("optional", .object(optional)))
        return .object(members)
    }
}
