import Foundation
import ArgumentParser
import Cosign
import SigstoreCrypto
import SigstoreModels
import SigstoreSign
import SigstoreVerify
import Synchronization
import SigstoreJSON
import SigstoreCore

/// The signing-service and identity flags of `sign`, `sign-blob`, `attest` and `attest-blob`.
struct SigningServiceOptions: ParsableArguments {
    @Flag(name: .customLong("tlog-upload"), inversion: .prefixedNo, help: "whether or not to upload to the tlog")
    var tlogUpload = true

    @Flag(name: .customLong("use-signing-config"), inversion: .prefixedNo, help: "whether to use a TUF-provided signing config for the service URLs")
    var useSigningConfig = true

    @Option(name: .customLong("signing-config"), help: "path to a signing config file")
    var signingConfig: String?

    @Option(name: .customLong("trusted-root"), help: "path to a trusted root JSON file")
    var trustedRoot: String?

    @Option(name: .customLong("fulcio-url"), help: "address of the Sigstore PKI server")
    var fulcioURL: String = "https://fulcio.sigstore.dev"

    @Option(name: .customLong("rekor-url"), help: "address of the transparency log")
    var rekorURL: String = "https://rekor.sigstore.dev"

    @Option(name: .customLong("timestamp-server-url"), help: "URL of the RFC 3161 timestamp authority")
    var timestampServerURL: String?

    @Option(name: .customLong("identity-token"), help: "identity token to use for certificate from fulcio (a JWT, or a path to a file holding one)")
    var identityToken: String?

    @Option(name: .customLong("oidc-issuer"), help: "OIDC provider to be used to issue ID token")
    var oidcIssuer: String = "https://oauth2.sigstore.dev/auth"

    @Option(name: .customLong("oidc-client-id"), help: "OIDC client ID for application")
    var oidcClientID: String = "sigstore"

    @Option(name: .customLong("oidc-client-secret-file"), help: "path to file containing OIDC client secret for application")
    var oidcClientSecretFile: String?

    @Option(name: .customLong("oidc-redirect-url"), help: "OIDC redirect URL (optional; by default a free localhost port)")
    var oidcRedirectURL: String?

    @Option(name: .customLong("oidc-provider"), help: "specify the provider to get the OIDC token from (optional; by default the first ambient provider)")
    var oidcProvider: String?

    @Flag(name: .customLong("oidc-disable-ambient-providers"), help: "disable ambient OIDC providers")
    var oidcDisableAmbientProviders = false

    @Option(name: .customLong("fulcio-auth-flow"), help: "fulcio interactive oauth2 flow to use for certificate from fulcio: normal, device, token")
    var fulcioAuthFlow: String?

    @Flag(name: .customLong("insecure-skip-verify"), help: "skip verifying fulcio published to the SCT (not supported: certificates are always checked)")
    var insecureSkipVerify = false

    @Flag(name: .customLong("issue-certificate"), help: "issue a code signing certificate from Fulcio, even if a key is provided")
    var issueCertificate = false

    @Option(name: .customLong("signing-algorithm"), help: "signing algorithm to use for signing/hashing (ephemeral keys only)")
    var signingAlgorithm: String = "ecdsa-sha2-256-nistp256"

    static let algorithms: [(String, KeyKind)] = [
        ("ecdsa-sha2-256-nistp256", .ecdsaP256), ("ecdsa-sha2-384-nistp384", .ecdsaP384), ("ecdsa-sha2-512-nistp521", .ecdsaP521),
        ("rsa-sign-pkcs1-2048-sha256", .rsa(bits: 2048)), ("rsa-sign-pkcs1-3072-sha256", .rsa(bits: 3072)),
        ("rsa-sign-pkcs1-4096-sha256", .rsa(bits: 4096)),
    ]

    func validate() throws {
        guard Self.algorithms.contains(where: { $0.0 == signingAlgorithm }) else {
            throw ValidationError(
                "invalid signing algorithm: \(signingAlgorithm). Supported algorithms are: \(Self.algorithms.map(\.0).joined(separator: ", "))")
        }
        if let fulcioAuthFlow, !["normal", "device", "token"].contains(fulcioAuthFlow) {
            throw ValidationError("unsupported --fulcio-auth-flow \(fulcioAuthFlow): use normal, device or token")
        }
    }
}

/// Everything a signing command needs from its flags: the signer (key or keyless) and the services it writes to.
/// Created once per command run; ``close()`` shuts the HTTP client down.
struct SigningSession {
    let signer: ArtifactSigner
    let http: ServiceHTTP
    let context: CommandContext

    func close() async { await http.shutdown() }

    /// Builds the signer: decrypts `--key` or runs the keyless flow (ephemeral key, identity token, Fulcio
    /// certificate), and picks the transparency logs and timestamp authorities as cosign v3 does: from
    /// `--signing-config`, or with `--use-signing-config=false` from the URL flags. `promptsForLog` is set for `sign`
    /// and `sign-blob`, which show the privacy statement before logging when the URLs come from flags.
    static func start(
        key keyReference: String?, options o: SigningServiceOptions, yes: Bool, promptsForLog: Bool, context: CommandContext,
        plan precomputed: Plan? = nil
    ) async throws -> SigningSession {
        let plan = try precomputed ?? Plan(key: keyReference, options: o, context: context)
        let keyless = plan.keyless
        let config = plan.config
        let now = context.now
        if o.insecureSkipVerify {
            context.warn("--insecure-skip-verify is deprecated and has no effect: Fulcio's certificate and the signed bundle are always verified")
        }
        if plan.fromFlags && o.tlogUpload && promptsForLog {
            try privacyStatement(context: context, prompt: !yes, declined: "upload to tlog: ")
        }
        let trust = plan.trust
        let http = ServiceHTTP()
        do {
            var logs: [RekorClient] = []
            var tsas: [TimestampClient] = []
            if let config {
                logs = try SigningConfig.select(
                    config.rekorTlogURLs, supported: [1, 2], selector: config.rekorTlogSelector, at: now(), what: "transparency log"
                ).map { RekorClient(baseURL: $0.url, apiVersion: $0.majorAPIVersion, http: http) }
                tsas = try SigningConfig.select(config.tsaURLs, supported: [1], selector: config.tsaSelector, at: now(), what: "timestamp authority")
                    .map { TimestampClient(url: $0.url, http: http) }
            }
            if keyless && tsas.isEmpty && logs.contains(where: { $0.apiVersion == 2 }) {
                throw CLIError("a timestamp authority must be provided to request a short-lived certificate that will be logged to Rekor")
            }
            let services = SigningServices(transparencyLogs: logs, timestampAuthorities: tsas, trustMaterial: trust)
            let signer: ArtifactSigner
            if keyless {
                guard let config, let fulcio = SigningConfig.first(config.caURLs, at: now()) else {
                    throw CLIError("no fulcio URLs provided in signing config")
                }
                guard let issuer = SigningConfig.first(config.oidcURLs, at: now()) else {
                    throw CLIError("selecting OIDC issuer: the signing config lists no usable OIDC issuer")
                }
                let ephemeral: SigningKey
                if let keyReference {
                    ephemeral = try KeyReference.signingKey(keyReference, context: context)
                } else {
                    context.info("Generating ephemeral keys...")
                    ephemeral = try SigningKey.generate(SigningServiceOptions.algorithms.first { $0.0 == o.signingAlgorithm }!.1)
                }
                let start = ContinuousClock.now
                let token = try await identityToken(o, issuer: issuer.url, yes: yes, http: http, context: context)
                var timings = SigningTimings()
                timings.add("token", since: start)
                do {
                    signer = try await ArtifactSigner.keyless(
                        token: token, key: ephemeral, fulcio: FulcioClient(baseURL: fulcio.url, http: http), services: services,
                        timings: timings, now: now)
                } catch let error as SigningError {
                    throw CLIError(error.message)
                }
            } else {
                signer = ArtifactSigner(key: try KeyReference.signingKey(keyReference!, context: context), services: services, now: now)
            }
            return SigningSession(signer: signer, http: http, context: context)
        } catch {
            await http.shutdown()
            throw error
        }
    }

    /// The services and trust a signing run uses, decided from the flags alone (no network): commands check it
    /// before touching a registry, so a flag mistake costs nothing.
    struct Plan {
        var keyless: Bool
        var config: SigningConfig?
        var fromFlags: Bool
        /// `--trusted-root`, parsed once.
        var trust: TrustMaterial?

        init(key keyReference: String?, options o: SigningServiceOptions, context: CommandContext) throws {
            keyless = keyReference == nil || o.issueCertificate
            fromFlags = false
            let customURLs =
                o.fulcioURL != "https://fulcio.sigstore.dev" || o.rekorURL != "https://rekor.sigstore.dev"
                || o.oidcIssuer != "https://oauth2.sigstore.dev/auth" || !(o.timestampServerURL ?? "").isEmpty
            let configInUse = o.signingConfig != nil || o.useSigningConfig
            if o.signingConfig != nil && !o.tlogUpload {
                throw CLIError(
                    "--tlog-upload=false is not supported with --signing-config or --use-signing-config. Provide a signing config with --signing-config without a transparency log service")
            }
            if configInUse && customURLs {
                throw CLIError(
                    "cannot specify service URLs and use signing config: pass --use-signing-config=false with --fulcio-url, --rekor-url, --oidc-issuer or --timestamp-server-url")
            }
            config = try loadSigningConfig(o)
            if config == nil && (keyless || o.tlogUpload) {
                if o.useSigningConfig {
                    let what = keyless ? "keyless signing" : "uploading to a transparency log"
                    let alternative = keyless ? ", or sign with --key" : ", or pass --tlog-upload=false"
                    throw CLIError(
                        "\(what) needs a signing config, and fetching it over TUF is not supported yet: pass --signing-config FILE, or --use-signing-config=false with --fulcio-url/--rekor-url/--oidc-issuer\(alternative)")
                }
                var flags = SigningConfig(rekorTlogSelector: .any, tsaSelector: .any)
                flags.caURLs = [.init(url: o.fulcioURL, majorAPIVersion: 1)]
                flags.oidcURLs = [.init(url: o.oidcIssuer, majorAPIVersion: 1)]
                if o.tlogUpload { flags.rekorTlogURLs = [.init(url: o.rekorURL, majorAPIVersion: 1)] }
                if let url = o.timestampServerURL, !url.isEmpty { flags.tsaURLs = [.init(url: url, majorAPIVersion: 1)] }
                config = flags
                fromFlags = true
            }
            trust = try loadTrust(o, required: keyless)
        }
    }

    /// Signs, printing cosign's log line for each new entry.
    func sign(_ content: SigningContent) async throws -> SignedContent {
        context.info("Signing artifact...")
        let signed: SignedContent
        do {
            signed = try await signer.sign(content)
        } catch let error as SigningError {
            throw CLIError(error.message)
        }
        if context.environment["SWIFT_COSIGN_TIMINGS"] == "1" {
            let t = signer.phaseTimings.seconds
            let phases = ["token", "fulcio", "sign", "tsa", "rekor", "verify"].map { String(format: "%@=%.2fms", $0, (t[$0] ?? 0) * 1000) }
            context.info("timings: \(phases.joined(separator: " ")) requests=\(http.requestCount)")
        }
        return signed
    }

    static func loadSigningConfig(_ o: SigningServiceOptions) throws -> SigningConfig? {
        guard let path = o.signingConfig else { return nil }
        do {
            return try SigningConfig(jsonData: try FileSystem.readFile(path, limit: 1 << 20))
        } catch let error as any ReportableError {
            throw error.adding(context: "signing config \(path)")
        }
    }

    static func loadTrust(_ o: SigningServiceOptions, required: Bool) throws -> TrustMaterial? {
        guard let path = o.trustedRoot else {
            if required {
                throw CLIError(
                    "keyless signing needs a trusted root to check Fulcio's certificate: pass --trusted-root (fetching the public-good root over TUF is not supported yet)")
            }
            return nil
        }
        return try TrustedRootLoader.load(path, keyOnly: false)
    }

    /// cosign's privacy statement (always printed) and, when `prompt` is set, its confirmation. Printed at most once
    /// per process.
    static func privacyStatement(context: CommandContext, prompt: Bool, declined: String = "") throws {
        let first = statementShown.withLock { shown in
            defer { shown = true }
            return !shown
        }
        guard first else { return }
        context.info(
            """

            \tThe sigstore service, hosted by sigstore a Series of LF Projects, LLC, is provided pursuant to the Hosted Project Tools Terms of Use, available at https://lfprojects.org/policies/hosted-project-tools-terms-of-use/.
            \tNote that if your submission includes personal data associated with this signed artifact, it will be part of an immutable record.
            \tThis may include the email address associated with the account with which you authenticate your contractual Agreement.
            \tThis information will be used for signing this artifact and will be stored in public transparency logs and cannot be removed later, and is subject to the Immutable Record notice at https://lfprojects.org/policies/hosted-project-tools-immutable-records/.

            """)
        context.info(
            "By typing 'y', you attest that (1) you are not submitting the personal data of any other person; and (2) you understand and agree to the statement and the Agreement terms at the URLs listed above."
        )
        guard prompt else { return }
        do {
            try Prompts.confirmContinue(context: context)
        } catch let error as CosignError {
            throw CosignError(error.code, declined + error.message)
        }
    }

    static let statementShown = Mutex(false)

    /// The identity token: `--identity-token`, then the ambient providers, then an interactive flow.
    static func identityToken(
        _ o: SigningServiceOptions, issuer: String, yes: Bool, http: ServiceHTTP, context: CommandContext
    ) async throws -> IdentityToken {
        do {
            if let value = o.identityToken, !value.isEmpty {
                return try IdentityTokenSource.explicit(value)
            }
            if !o.oidcDisableAmbientProviders {
                if let name = o.oidcProvider, !name.isEmpty {
                    return try await IdentityTokenSource.named(name, environment: context.environment, http: http)
                }
                if let token = try await IdentityTokenSource.ambient(environment: context.environment, http: http) { return token }
            }
            if o.fulcioAuthFlow == "token" {
                throw SigningError(.identityToken, "--fulcio-auth-flow=token needs --identity-token")
            }
            let secret = try o.oidcClientSecretFile.map {
                try FileSystem.readText($0, limit: 64 << 10).trimmingCharacters(in: .whitespacesAndNewlines)
            }
            let flow = OAuthFlow(
                issuer: issuer, clientID: o.oidcClientID, clientSecret: secret, redirectURL: o.oidcRedirectURL,
                print: { context.info($0) }, printOut: { context.stdout.line($0) }, readLine: { context.stdin.readLine() })
            var useDevice = o.fulcioAuthFlow == "device"
            if o.fulcioAuthFlow == nil {
                if context.stdin.isTerminal {
                    try privacyStatement(context: context, prompt: !yes)
                } else {
                    context.info("Non-interactive mode detected, using device flow.")
                    useDevice = true
                }
            }
            return useDevice ? try await flow.device(http: http) : try await flow.browser(http: http)
        } catch let error as SigningError {
            throw CLIError("getting an identity token: \(error.message)")
        }
    }
}

extension SignedContent {
    /// cosign's legacy blob bundle for this signature.
    func legacyPayload() -> LegacySignedPayload {
        let cert = certificatePEM ?? publicKey.pemRepresentation
        // The same Rekor bundle as the legacy layer annotation, read back into cosign's type.
        let rekor = logEntries.lazy.compactMap(\.legacyAnnotation).first.flatMap {
            try? JSONCoding.decode(LegacySignedPayload.RekorBundle.self, from: Array($0.utf8), what: "Rekor bundle")
        }
        return LegacySignedPayload(base64Signature: Base64.encode(signature), cert: Base64.encode(Array(cert.utf8)), rekorBundle: rekor)
    }
}

extension SigningSession {
    /// Whether signing with these flags talks to any service (keyless, a transparency log, a timestamp authority or a
    /// signing config). When not, commands sign with the key alone, as before.
    static func needsServices(key: String?, options o: SigningServiceOptions) -> Bool {
        key == nil || o.issueCertificate || o.signingConfig != nil || o.tlogUpload || !(o.timestampServerURL ?? "").isEmpty
    }

    /// Runs `body` with a session and closes it afterwards, also on failure.
    static func with<T>(
        key: String?, options: SigningServiceOptions, yes: Bool, promptsForLog: Bool, context: CommandContext, plan: Plan? = nil,
        _ body: (SigningSession) async throws -> T
    ) async throws -> T {
        let session = try await start(key: key, options: options, yes: yes, promptsForLog: promptsForLog, context: context, plan: plan)
        do {
            let result = try await body(session)
            await session.close()
            return result
        } catch {
            await session.close()
            throw error
        }
    }
}

extension SignedContent {
    /// The annotations cosign puts on a legacy `.sig` or `.att` layer besides the signature: the certificate and its
    /// chain (empty for Fulcio's leaf-only answer, as cosign writes it), the Rekor bundle and the RFC 3161 timestamp.
    var legacyAnnotations: [String: String] {
        var annotations: [String: String] = [:]
        if let certificatePEM {
            annotations["dev.sigstore.cosign/certificate"] = certificatePEM
            annotations["dev.sigstore.cosign/chain"] = ""
        }
        if let rekor = logEntries.first(where: { $0.apiVersion == 1 })?.legacyAnnotation {
            annotations["dev.sigstore.cosign/bundle"] = rekor
        }
        if let timestamp = timestamps.first {
            annotations["dev.sigstore.cosign/rfc3161timestamp"] = String(
                decoding: OrderedJSON.object([("SignedRFC3161Timestamp", .string(Base64.encode(timestamp)))]).serialized(), as: UTF8.self)
        }
        return annotations
    }
}
