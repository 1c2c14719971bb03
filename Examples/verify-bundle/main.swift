// Verifies a Sigstore bundle for an artifact digest against a trusted root and the signer you expect: the README's
// library example, built with the package and run by its tests.
//
//   verify-bundle-example TRUSTED_ROOT BUNDLE sha256:DIGEST IDENTITY ISSUER
import Foundation
import Sigstore

let args = CommandLine.arguments
guard args.count == 6 else {
    print("usage: verify-bundle-example TRUSTED_ROOT BUNDLE sha256:DIGEST IDENTITY ISSUER")
    exit(2)
}
do {
    let verifier = SigstoreVerifier(trustMaterial: try TrustMaterial(contentsOf: args[1]))
    let result = try await verifier.verify(
        bundleAt: args[2], artifact: .digest(try ArtifactDigest(parsing: args[3])), identity: args[4], issuer: args[5])
    print("verified: signed by \(result.subjectAlternativeName ?? "?") (issuer \(result.issuer ?? "?"))")
} catch {
    print("not verified: \(error)")
    exit(1)
}
