#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
public import SigstoreCrypto
public import SigstoreModels
internal import SigstoreVerify
import SigstoreCore
import SigstoreJSON

/// cosign's in-toto predicate types (`cmd/cosign/cli/options/predicate.go`).
public enum PredicateType {
    /// Short names and the URIs they stand for.
    public static let shortNames: [String: String] = [
        "custom": "https://cosign.sigstore.dev/attestation/v1",
        "slsaprovenance": "https://slsa.dev/provenance/v0.2",
        "slsaprovenance02": "https://slsa.dev/provenance/v0.2",
        "slsaprovenance1": "https://slsa.dev/provenance/v1",
        "spdx": "https://spdx.dev/Document",
        "spdxjson": "https://spdx.dev/Document",
        "cyclonedx": "https://cyclonedx.org/bom",
        "link": "https://in-toto.io/Link/v1",
        "vuln": "https://cosign.sigstore.dev/attestation/vuln/v1",
        "openvex": "https://openvex.dev/ns",
    ]

    /// The URI for a `--type` value: a short name's URI, else the value itself.
    public static func uri(for type: String) -> String { shortNames[type] ?? type }
}

/// Checks on the in-toto statement inside a DSSE envelope, as cosign applies them to blob attestations.
public enum AttestationChecks {
    /// The statement's `predicateType` must be the URI of `type` (`policy.AttestationToPayloadJSON`).
    public static func checkPredicateType(_ envelope: DSSEEnvelope, type: String) throws {
        guard !type.isEmpty else { throw CosignError(.invalidInput, "missing predicate type") }
        let expected = PredicateType.uri(for: type)
        let statement = try statement(envelope)
        guard statement.predicateType == expected else {
            throw CosignError(
                .verificationFailed, "invalid predicate type, expected \(type) got \(statement.predicateType ?? "")")
        }
    }

    /// Some subject must have a `sha256` digest equal to `digest` (`IntotoSubjectClaimVerifier`).
    public static func checkSubject(_ envelope: DSSEEnvelope, digest: ArtifactDigest) throws {
        for subject in try statement(envelope).subject ?? [] {
            guard let subject else { throw CosignError(.verificationFailed, "invalid in-toto statement: null subject entry") }
            if let d = subject.digest?["sha256"], "sha256:\(d)" == digest.description { return }
        }
        throw CosignError(.verificationFailed, "no matching subject digest found for \(digest)")
    }

    /// Verifies a legacy cosign attestation (a DSSE envelope file) with a public key: exactly one signature, over PAE.
    public static func verifyEnvelope(_ envelope: DSSEEnvelope, publicKey: PublicKey) throws {
        guard !envelope.signatures.isEmpty else { throw CosignError(.verificationFailed, "DSSE envelope has no signatures") }
        var lastError = "invalid signature"
        for signature in envelope.signatures {
            do {
                try publicKey.verifyDSSESignature(signature.sig.bytes, envelope: envelope)
                return
            } catch let error as SigstoreCryptoError {
                lastError = error.message
            }
        }
        throw CosignError(.verificationFailed, "verifying DSSE envelope: \(lastError)")
    }

    static func statement(_ envelope: DSSEEnvelope) throws -> InTotoStatement {
        guard let statement = envelope.statement else {
            throw CosignError(.verificationFailed, "unmarshal in-toto statement: the DSSE payload is not an in-toto statement")
        }
        return statement
    }
}
