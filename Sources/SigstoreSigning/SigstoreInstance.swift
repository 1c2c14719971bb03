public import Foundation
public import SigstoreModels
public import SigstoreSign
public import SigstoreTUF
public import SigstoreVerify
import SigstoreCore

/// A Sigstore instance as a client sees it: the trust material that verifies what it issues and the signing config
/// that names its services, both fetched and verified through the instance's TUF repository (as Go cosign,
/// sigstore-go and sigstore-python start every command).
public struct SigstoreInstance: Sendable {
    /// The instance's `trusted_root.json`: certificate authorities, transparency logs, CT logs, timestamp authorities.
    public var trustMaterial: TrustMaterial
    /// The instance's `signing_config.v0.2.json`: Fulcio, the OIDC issuer, the logs and timestamp authorities to use;
    /// nil when the repository publishes none.
    public var signingConfig: SigningConfig?

    /// An instance from trust material and a signing config obtained some other way (files, a private deployment).
    public init(trustMaterial: TrustMaterial, signingConfig: SigningConfig?) {
        self.trustMaterial = trustMaterial
        self.signingConfig = signingConfig
    }

    /// Sigstore's public-good instance (or staging), through its TUF repository starting from the root this build
    /// embeds, cached in `cacheRoot` (by default `~/.sigstore/root`, the cache Go cosign and sigstore-go share).
    /// - Throws: ``TUFError`` when the repository cannot be reached and no valid cache exists, or does not verify.
    public static func sigstore(_ repository: SigstoreRepository = .publicGood, cacheRoot: String? = nil) async throws
        -> SigstoreInstance
    {
        try await tuf(TUFClient(repository, cacheRoot: cacheRoot))
    }

    /// The instance whose TUF repository `client` reads (sigstore-local's, a private deployment's).
    /// - Throws: ``TUFError`` as ``sigstore(_:cacheRoot:)``; `TrustMaterialError`/`ModelError` when a target does not
    ///   parse.
    public static func tuf(_ client: TUFClient) async throws -> SigstoreInstance {
        let trustMaterial = try TrustMaterial(jsonData: try await client.target("trusted_root.json"))
        let signingConfig: SigningConfig?
        do {
            signingConfig = try SigningConfig(jsonData: try await client.target("signing_config.v0.2.json"))
        } catch let error as TUFError where error.code == .targetNotFound {
            signingConfig = nil
        }
        return SigstoreInstance(trustMaterial: trustMaterial, signingConfig: signingConfig)
    }

    /// A verifier for what the instance issues (the default ``VerifierConfiguration``).
    public func verifier(configuration: VerifierConfiguration = VerifierConfiguration()) -> SigstoreVerifier {
        SigstoreVerifier(trustMaterial: trustMaterial, configuration: configuration)
    }

    /// A keyless signer: `key` (a new ECDSA P-256 key by default) certified by the instance's Fulcio for `token`'s
    /// identity, signing into the logs and timestamp authorities the signing config selects.
    /// - Parameters:
    ///   - token: An OIDC identity token from an issuer the instance's Fulcio accepts.
    ///   - key: The ephemeral key; by default a new ECDSA P-256 key.
    ///   - http: The HTTP client for every service; shut it down when done.
    ///   - now: The clock the certificate and the service validity are checked against.
    /// - Throws: ``SigningError``: no signing config or no usable Fulcio, a Rekor v2 log without a timestamp authority
    ///   (its entries carry no time), or what Fulcio and the checks of its certificate report.
    public func keylessSigner(
        token: IdentityToken, key: (any Signer)? = nil, http: ServiceHTTP, now: @escaping @Sendable () -> Date = { Date() }
    ) async throws -> ArtifactSigner {
        guard let config = signingConfig else {
            throw SigningError(.configuration, "the instance publishes no signing config: build SigningServices and a FulcioClient yourself")
        }
        guard let fulcio = SigningConfig.first(config.caURLs, at: now()) else {
            throw SigningError(.configuration, "the signing config lists no certificate authority valid now")
        }
        let services = try SigningServices(signingConfig: config, trustMaterial: trustMaterial, http: http, at: now())
        if services.lacksTimeOfSigning {
            throw SigningError(
                .configuration,
                "the signing config selects a Rekor v2 log but no timestamp authority: a keyless signature logged there would carry no verifiable time")
        }
        return try await ArtifactSigner.keyless(
            token: token, key: try key ?? SigningKey.generate(.ecdsaP256), fulcio: FulcioClient(baseURL: fulcio.url, http: http),
            services: services, now: now)
    }
}
