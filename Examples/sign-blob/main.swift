// Signs a file with a fresh ECDSA P-256 key into a Sigstore bundle (no transparency log), writes the bundle and the
// public key, and verifies the bundle with that key: the signing counterpart of verify-bundle, run by the tests.
//
//   sign-blob-example ARTIFACT BUNDLE_OUT PUBLIC_KEY_OUT
import Foundation
import SigstoreSigning

let args = CommandLine.arguments
guard args.count == 4, let artifact = FileManager.default.contents(atPath: args[1]) else {
    print("usage: sign-blob-example ARTIFACT BUNDLE_OUT PUBLIC_KEY_OUT")
    exit(2)
}
do {
    let key = try SigningKey.generate(.ecdsaP256)
    let signed = try await ArtifactSigner(key: key, services: SigningServices()).sign(.message(Array(artifact)))
    try Data(signed.bundle().jsonData()).write(to: URL(fileURLWithPath: args[2]))
    try Data(key.publicKey.pemRepresentation.utf8).write(to: URL(fileURLWithPath: args[3]))
    let verifier = SigstoreVerifier(trustMaterial: TrustMaterial(), configuration: .cosign(keyBased: true, ignoreTransparencyLog: true))
    let result = try await verifier.verify(signed.bundle(), policy: VerificationPolicy(artifact: .data(artifact), publicKey: key.publicKey))
    print("signed and verified: \(result.verifiedTimes.isEmpty ? "no" : "a") verified time, bundle \(args[2])")
} catch {
    print("not signed: \(error)")
    exit(1)
}
