import Crypto
import Foundation
import SigstoreSigning
import SigstoreTesting
import Testing

/// `SigstoreInstance`: an instance's trusted root and signing config through a TUF repository (written here by
/// `RepositoryWriter`, read through `file://` as through a CDN), and the keyless signer built from them.
@Suite("SigstoreInstance over TUF")
struct SigstoreInstanceTests {
    static let signingConfig = #"""
        {"mediaType":"application/vnd.dev.sigstore.signingconfig.v0.2+json",
         "caUrls":[{"url":"http://127.0.0.1:1/fulcio","majorApiVersion":1,"validFor":{"start":"2020-01-01T00:00:00Z"},"operator":"local"}],
         "oidcUrls":[{"url":"http://127.0.0.1:1/oidc","majorApiVersion":1,"validFor":{"start":"2020-01-01T00:00:00Z"},"operator":"local"}],
         "rekorTlogUrls":[{"url":"http://127.0.0.1:1/rekor-v2","majorApiVersion":2,"validFor":{"start":"2020-01-01T00:00:00Z"},"operator":"local"}],
         "rekorTlogConfig":{"selector":"ANY"},"tsaUrls":[],"tsaConfig":{"selector":"ANY"}}
        """#

    /// A repository in a new directory holding `targets`, and a client for it with its own cache.
    static func repository(_ targets: [String: [UInt8]]) throws -> (client: TUFClient, directory: String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("instance-\(UUID().uuidString)")
        let online = RepositoryKey(Curve25519.Signing.PrivateKey())
        var writer = try RepositoryWriter(
            directory: directory.appendingPathComponent("repository"),
            keys: .init(root: .init([RepositoryKey(P256.Signing.PrivateKey())]), timestamp: .init([online]), snapshot: .init([online]),
                targets: .init([RepositoryKey(P256.Signing.PrivateKey())])))
        for (name, content) in targets { writer.setTarget(name, content: content) }
        try writer.publish()
        let root = Array(try Data(contentsOf: directory.appendingPathComponent("repository/1.root.json")))
        let client = TUFClient(
            mirror: directory.appendingPathComponent("repository").absoluteString, root: root,
            cacheRoot: directory.appendingPathComponent("cache").path)
        return (client, directory.path)
    }

    /// An unsigned JWT with the claims `IdentityToken` reads (nothing here checks its signature).
    static func token() throws -> IdentityToken {
        func encode(_ json: String) -> String {
            Data(json.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: "")
        }
        let exp = Int(Date().timeIntervalSince1970) + 600
        return try IdentityToken(
            encode(#"{"alg":"RS256"}"#) + "." + encode(#"{"iss":"http://127.0.0.1:1/oidc","sub":"alice","email":"alice@example.com","email_verified":true,"aud":"sigstore","exp":\#(exp)}"#)
                + ".c2ln")
    }

    @Test("trusted root and signing config come through TUF; the trust verifies the instance's bundles; a second client offline reads the cache")
    func throughTUF() async throws {
        let virtual = try VirtualSigstore()
        let (client, directory) = try Self.repository([
            "trusted_root.json": virtual.trustedRootJSON(), "signing_config.v0.2.json": Array(Self.signingConfig.utf8),
        ])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let instance = try await SigstoreInstance.tuf(client)
        #expect(instance.signingConfig?.caURLs.first?.url == "http://127.0.0.1:1/fulcio")
        #expect(instance.signingConfig?.rekorTlogURLs.first?.majorAPIVersion == 2)
        let artifact = Array("through TUF\n".utf8)
        let time = Date(timeIntervalSince1970: 1_750_000_000)
        let bundle = try virtual.sign(artifact, options: .init(time: time, log: .rekorV1, timestamp: true))
        let result = try await instance.verifier().verify(
            bundleJSON: bundle, artifact: .data(Data(artifact)), identity: "signer@example.com", issuer: "https://issuer.example")
        #expect(result.subjectAlternativeName == "signer@example.com")
        await #expect(throws: VerificationError.self) {
            _ = try await instance.verifier().verify(
                bundleJSON: bundle, artifact: .data(Data(artifact)), identity: "mallory@example.com", issuer: "https://issuer.example")
        }
        var offline = client
        offline.offline = true
        #expect(try await offline.target("trusted_root.json") == virtual.trustedRootJSON())
    }

    @Test("no signing config: the instance has none and a keyless signer is refused with a SigningError; Rekor v2 without a TSA is refused before any request")
    func keylessRefusals() async throws {
        let virtual = try VirtualSigstore()
        let http = ServiceHTTP()
        defer { Task { await http.shutdown() } }
        let (bare, bareDirectory) = try Self.repository(["trusted_root.json": virtual.trustedRootJSON()])
        defer { try? FileManager.default.removeItem(atPath: bareDirectory) }
        let withoutConfig = try await SigstoreInstance.tuf(bare)
        #expect(withoutConfig.signingConfig == nil)
        await #expect(throws: SigningError(.configuration, "")) { _ = try await withoutConfig.keylessSigner(token: try Self.token(), http: http) }

        let (client, directory) = try Self.repository([
            "trusted_root.json": virtual.trustedRootJSON(), "signing_config.v0.2.json": Array(Self.signingConfig.utf8),
        ])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let instance = try await SigstoreInstance.tuf(client)
        do {
            _ = try await instance.keylessSigner(token: try Self.token(), http: http)
            Issue.record("a keyless signer for Rekor v2 without a timestamp authority was built")
        } catch let error as SigningError {
            #expect(error.message.contains("no timestamp authority"), "\(error.message)")
        }
    }

    @Test("a repository whose metadata another root signed is refused (TUFError), nothing is cached as trusted")
    func wrongRoot() async throws {
        let virtual = try VirtualSigstore()
        let (client, directory) = try Self.repository(["trusted_root.json": virtual.trustedRootJSON()])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (other, otherDirectory) = try Self.repository(["trusted_root.json": virtual.trustedRootJSON()])
        defer { try? FileManager.default.removeItem(atPath: otherDirectory) }
        let mixed = TUFClient(mirror: client.layout.mirror, root: other.bootstrapRoot, cacheRoot: directory + "/mixed-cache")
        await #expect(throws: TUFError.self) { _ = try await SigstoreInstance.tuf(mixed) }
        #expect(!FileManager.default.fileExists(atPath: mixed.layout.targetFile("trusted_root.json")))
    }
}
