// Signs an image in an OCI registry with a cosign key pair and verifies the signature, with the libraries the cosign
// command is made of (CosignOCI over OCIRegistry): the signature is stored as a Sigstore bundle referrer of the image,
// as `cosign sign --key` stores it, so `cosign verify --key` accepts it. Run by the tests against docker-registry.
//
//   sign-verify-image-example IMAGE KEY PUBLIC_KEY        (COSIGN_PASSWORD: the key's password)
import Cosign
import CosignOCI
import Foundation
import OCIModels
import OCIRegistry
import SigstoreCrypto

let args = CommandLine.arguments
guard args.count == 4, let pem = try? String(contentsOfFile: args[3], encoding: .utf8) else {
    print("usage: sign-verify-image-example IMAGE KEY PUBLIC_KEY")
    exit(2)
}
do {
    let store = SignatureStore(client: try RegistryClient())
    defer { store.close() }
    var signing = SigningOptions()
    signing.tlogUpload = false  // the key and the registry only: no transparency log
    try await ImageSigner(key: args[2], signing: signing, options: ImageSigner.Options()).sign([args[1]], in: store, console: .process())

    let image = try ImageReference(parsing: args[1])
    let requirements = BundleVerification.Options(publicKey: try PublicKey(pemEncoded: pem), ignoreTransparencyLog: true)
    let subject = try await store.resolve(image)
    let outcome = try await ImageVerifier(store: store, options: ImageVerifier.Options(bundle: requirements)).verify(image, subject: subject)
    print("signed and verified: \(outcome.signatures.count) signature(s) of \(image.repositoryName)@\(subject.digest)")
} catch {
    print("failed: \(error)")
    exit(1)
}
