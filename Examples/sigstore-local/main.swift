// Keyless signing and verification against a Sigstore instance found through its TUF repository, as
// `sigstore-local serve` runs one: the trusted root and signing config come from TUF, the certificate from its Fulcio
// for the identity token, the entry from its log; then the bundle is verified for the token's identity. Run by the
// Services tests against a real sigstore-local.
//
//   sigstore-local-example TUF_URL TUF_ROOT_JSON TOKEN_FILE ARTIFACT BUNDLE_OUT
import Foundation
import SigstoreSigning

let args = CommandLine.arguments
guard args.count == 6, let root = FileManager.default.contents(atPath: args[2]),
    let token = FileManager.default.contents(atPath: args[3]), let artifact = FileManager.default.contents(atPath: args[4])
else {
    print("usage: sigstore-local-example TUF_URL TUF_ROOT_JSON TOKEN_FILE ARTIFACT BUNDLE_OUT")
    exit(2)
}
let cache = FileManager.default.temporaryDirectory.appendingPathComponent("sigstore-local-example-\(UUID().uuidString)").path
let http = ServiceHTTP()
func finish(_ status: Int32) async -> Never {
    await http.shutdown()
    try? FileManager.default.removeItem(atPath: cache)
    exit(status)
}
do {
    let instance = try await SigstoreInstance.tuf(TUFClient(mirror: args[1], root: Array(root), cacheRoot: cache))
    let identity = try IdentityToken(String(decoding: token, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    let signer = try await instance.keylessSigner(token: identity, http: http)
    let signed = try await signer.sign(.message(Array(artifact)))
    try Data(signed.bundle().jsonData()).write(to: URL(fileURLWithPath: args[5]))
    let result = try await instance.verifier().verify(
        bundleAt: args[5], artifact: .data(artifact), identity: identity.principal, issuer: identity.issuer)
    print("signed and verified: \(result.subjectAlternativeName ?? "?") (issuer \(result.issuer ?? "?")), bundle \(args[5])")
    await finish(0)
} catch {
    print("failed: \(error)")
    await finish(1)
}
