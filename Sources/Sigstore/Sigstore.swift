// The one import for verifying Sigstore bundles: the verifier, the bundle and trusted-root models, digests and keys,
// and the errors they throw. Verification only: nothing here opens a network connection.
@_exported import SigstoreCore
@_exported import SigstoreCrypto
@_exported import SigstoreModels
@_exported import SigstoreVerify

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension SigstoreVerifier {
    /// Verifies a bundle (its JSON, as a `.sigstore.json` file holds it) signed by `identity` as issued by `issuer`
    /// (both compared exactly; use ``verify(_:policy:)`` with a ``StringMatcher`` pattern for regular expressions).
    ///
    /// - Parameters:
    ///   - bundleJSON: The bundle's JSON.
    ///   - artifact: The artifact: its bytes (``ArtifactInput/data(_:)``) or its digest (``ArtifactInput/digest(_:)``).
    ///   - identity: The certificate's expected subject alternative name (an email or a URI); not empty.
    ///   - issuer: The expected OIDC issuer (`https://accounts.google.com`); not empty.
    /// - Returns: What the verification established.
    /// - Throws: ``VerificationError`` naming the check that failed; `BundleError` for a malformed bundle.
    public func verify(bundleJSON: some Collection<UInt8>, artifact: ArtifactInput, identity: String, issuer: String) async throws
        -> VerificationResult
    {
        let expected = CertificateIdentity(
            subjectAlternativeName: try StringMatcher(exact: identity), issuer: try StringMatcher(exact: issuer))
        return try await verify(
            try SigstoreBundle(jsonData: bundleJSON), policy: try VerificationPolicy(artifact: artifact, identities: [expected]))
    }
}

extension SigstoreVerifier {
    /// ``verify(bundleJSON:artifact:identity:issuer:)`` for the bundle in the file at `path`.
    public func verify(bundleAt path: String, artifact: ArtifactInput, identity: String, issuer: String) async throws
        -> VerificationResult
    {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw VerificationError(.bundle, "cannot read the bundle \(path)")
        }
        return try await verify(bundleJSON: Array(data), artifact: artifact, identity: identity, issuer: issuer)
    }
}

extension TrustMaterial {
    /// The trusted root in the JSON file at `path` (`trusted_root.json`).
    public init(contentsOf path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw VerificationError(.trustedRoot, "cannot read the trusted root \(path)")
        }
        try self.init(jsonData: Array(data))
    }
}
