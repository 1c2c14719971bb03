import Foundation
public import SigstoreSign
import SigstoreCore
import SigstoreCrypto
import SigstoreModels
import Synchronization

/// A signer (key or keyless) and the services it writes to, for one command run. ``close()`` shuts the HTTP client
/// down; ``with(_:promptsForLog:console:_:)`` does it for you.
public struct SigningSession: Sendable {
    /// The signer: it signs, stamps, logs and verifies what it returns.
    public let signer: ArtifactSigner
    /// The HTTP client every service shares.
    public let http: ServiceHTTP
    /// The timestamp authorities' own client, when `--timestamp-client-*` set TLS options.
    let timestampHTTP: ServiceHTTP?
    /// Where progress goes.
    public let console: Console

    /// Shuts the HTTP clients down.
    public func close() async {
        await http.shutdown()
        await timestampHTTP?.shutdown()
    }

    /// Builds the signer for `plan`: decrypts the key, or runs the keyless flow (ephemeral key, identity token,
    /// Fulcio certificate), and picks the transparency logs and timestamp authorities. `promptsForLog` is set for
    /// `sign` and `sign-blob`, which show the privacy statement before logging when the URLs come from flags.
    public static func start(_ plan: SigningPlan, promptsForLog: Bool, console: Console) async throws -> SigningSession {
        let o = plan.options
        let now = console.now
        if o.insecureSkipVerify {
            console.warn("--insecure-skip-verify is deprecated and has no effect: Fulcio's certificate and the signed bundle are always verified")
        }
        if plan.fromFlags && o.tlogUpload && promptsForLog {
            try PrivacyStatement.show(console: console, prompt: !o.assumeYes, declined: "upload to tlog: ")
        }
        let http = ServiceHTTP()
        var tsaHTTP: ServiceHTTP?
        do {
            tsaHTTP = try timestampHTTP(o)
            let services = try plan.config.map {
                try SigningServices(signingConfig: $0, trustMaterial: plan.trust, http: http, timestampHTTP: tsaHTTP, at: now())
            } ?? SigningServices(trustMaterial: plan.trust)
            if plan.keyless && services.lacksTimeOfSigning {
                throw CosignError(
                    .invalidInput, "a timestamp authority must be provided to request a short-lived certificate that will be logged to Rekor")
            }
            let signer: ArtifactSigner
            if plan.keyless {
                signer = try await keylessSigner(plan, services: services, http: http, console: console)
            } else if let key = plan.key {
                let signingKey = try await KeyReference.signer(key, console: console)
                signer = ArtifactSigner(
                    key: signingKey, attachedCertificateChain: try AttachedCertificate.chain(o, for: signingKey.publicKey), services: services,
                    now: now)
            } else {
                throw CosignError(.invalidInput, "signing needs a key or a keyless identity")
            }
            return SigningSession(signer: signer, http: http, timestampHTTP: tsaHTTP, console: console)
        } catch {
            await http.shutdown()
            await tsaHTTP?.shutdown()
            throw error
        }
    }

    /// A client of its own for the timestamp authorities when `--timestamp-client-*` ask for TLS settings.
    private static func timestampHTTP(_ o: SigningOptions) throws -> ServiceHTTP? {
        guard o.timestampClientCACert != nil || o.timestampClientCert != nil || o.timestampClientKey != nil || o.timestampServerName != nil
        else { return nil }
        if (o.timestampClientCert == nil) != (o.timestampClientKey == nil) {
            throw CosignError(.invalidInput, "--timestamp-client-cert and --timestamp-client-key must be given together")
        }
        var configuration = ServiceHTTP.Configuration()
        func read(_ path: String?, _ flag: String) throws -> String? {
            guard let path else { return nil }
            do {
                return try FileSystem.readText(path, limit: 1 << 20)
            } catch let error as any ReportableError {
                throw CosignError(.invalidInput, "\(flag): \(error.message)", underlying: error)
            }
        }
        configuration.caCertificatesPEM = try read(o.timestampClientCACert, "--timestamp-client-cacert")
        configuration.clientCertificatePEM = try read(o.timestampClientCert, "--timestamp-client-cert")
        configuration.clientKeyPEM = try read(o.timestampClientKey, "--timestamp-client-key")
        configuration.serverName = o.timestampServerName
        return try ServiceHTTP(tls: configuration)
    }

    private static func keylessSigner(
        _ plan: SigningPlan, services: SigningServices, http: ServiceHTTP, console: Console
    ) async throws -> ArtifactSigner {
        let now = console.now
        guard let config = plan.config, let fulcio = SigningConfig.first(config.caURLs, at: now()) else {
            throw CosignError(.invalidInput, "no fulcio URLs provided in signing config")
        }
        guard let issuer = SigningConfig.first(config.oidcURLs, at: now()) else {
            throw CosignError(.invalidInput, "selecting OIDC issuer: the signing config lists no usable OIDC issuer")
        }
        let ephemeral: any Signer
        if let key = plan.key {
            ephemeral = try await KeyReference.signer(key, console: console)
        } else {
            console.info("Generating ephemeral keys...")
            ephemeral = try SigningKey.generate(plan.options.signingAlgorithm)
        }
        let start = ContinuousClock.now
        let token = try await IdentityTokens.obtain(plan.options, issuer: issuer.url, http: http, console: console)
        var timings = SigningTimings()
        timings.add("token", since: start)
        return try await ArtifactSigner.keyless(
            token: token, key: ephemeral, fulcio: FulcioClient(baseURL: fulcio.url, http: http), services: services, timings: timings,
            now: now)
    }

    /// Signs, printing cosign's progress line, and the phase timings when `SWIFT_COSIGN_TIMINGS=1`.
    public func sign(_ content: SigningContent) async throws -> SignedContent {
        console.info("Signing artifact...")
        let signed = try await signer.sign(content)
        if console.environment["SWIFT_COSIGN_TIMINGS"] == "1" {
            let t = signer.phaseTimings.seconds
            let phases = ["token", "fulcio", "sign", "tsa", "rekor", "verify"].map { String(format: "%@=%.2fms", $0, (t[$0] ?? 0) * 1000) }
            console.info("timings: \(phases.joined(separator: " ")) requests=\(http.requestCount)")
        }
        return signed
    }

    /// Runs `body` with a session for `plan` and closes it afterwards, also on failure.
    public static func with<T>(
        _ plan: SigningPlan, promptsForLog: Bool, console: Console, _ body: (SigningSession) async throws -> T
    ) async throws -> T {
        let session = try await start(plan, promptsForLog: promptsForLog, console: console)
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

/// A function that signs content: a session's signer, or a key alone.
public typealias SignFunction = @Sendable (SigningContent) async throws -> SignedContent

extension SigningPlan {
    /// Runs `body` with a signing function: the key alone when no service is involved, otherwise a session. The key
    /// is decrypted (and a keyless flow started) before `body` runs.
    public static func withSigner<T>(
        key: String?, options: SigningOptions, plan: SigningPlan? = nil, promptsForLog: Bool, console: Console,
        _ body: (SignFunction) async throws -> T
    ) async throws -> T {
        if !needsServices(key: key, options: options), let key {
            let signingKey = try await KeyReference.signer(key, console: console)
            let signer = ArtifactSigner(
                key: signingKey, attachedCertificateChain: try AttachedCertificate.chain(options, for: signingKey.publicKey), services: SigningServices())
            return try await body { try await signer.sign($0) }
        }
        let resolved: SigningPlan
        if let plan { resolved = plan } else { resolved = try await SigningPlan(key: key, options: options, console: console) }
        let plan = resolved
        return try await SigningSession.with(plan, promptsForLog: promptsForLog, console: console) { session in
            try await body { try await session.sign($0) }
        }
    }
}

/// cosign's privacy statement for the public-good instance, and its confirmation.
enum PrivacyStatement {
    static let shown = Mutex(false)

    /// Prints the statement (at most once per process) and, when `prompt` is set, asks for confirmation.
    static func show(console: Console, prompt: Bool, declined: String = "") throws {
        let first = shown.withLock { shown in
            defer { shown = true }
            return !shown
        }
        guard first else { return }
        console.info(
            """

            \tThe sigstore service, hosted by sigstore a Series of LF Projects, LLC, is provided pursuant to the Hosted Project Tools Terms of Use, available at https://lfprojects.org/policies/hosted-project-tools-terms-of-use/.
            \tNote that if your submission includes personal data associated with this signed artifact, it will be part of an immutable record.
            \tThis may include the email address associated with the account with which you authenticate your contractual Agreement.
            \tThis information will be used for signing this artifact and will be stored in public transparency logs and cannot be removed later, and is subject to the Immutable Record notice at https://lfprojects.org/policies/hosted-project-tools-immutable-records/.

            """)
        console.info(
            "By typing 'y', you attest that (1) you are not submitting the personal data of any other person; and (2) you understand and agree to the statement and the Agreement terms at the URLs listed above."
        )
        guard prompt else { return }
        do {
            try console.confirmContinue()
        } catch let error as CosignError {
            throw CosignError(error.code, declined + error.message)
        }
    }
}

/// Where the identity token for keyless signing comes from.
enum IdentityTokens {
    /// `--identity-token`, then the ambient providers, then an interactive flow (browser on a terminal, else the
    /// device flow).
    static func obtain(_ o: SigningOptions, issuer: String, http: ServiceHTTP, console: Console) async throws -> IdentityToken {
        do {
            if let value = o.identityToken, !value.isEmpty {
                return try IdentityTokenSource.explicit(value)
            }
            if !o.oidcDisableAmbientProviders {
                if let name = o.oidcProvider, !name.isEmpty {
                    return try await IdentityTokenSource.named(name, environment: console.environment, http: http)
                }
                if let token = try await IdentityTokenSource.ambient(environment: console.environment, http: http) { return token }
            }
            if o.authFlow == .token {
                throw SigningError(.identityToken, "--fulcio-auth-flow=token needs --identity-token")
            }
            let secret = try o.oidcClientSecretFile.map {
                try FileSystem.readText($0, limit: 64 << 10).trimmingCharacters(in: .whitespacesAndNewlines)
            }
            let flow = OAuthFlow(
                issuer: issuer, clientID: o.oidcClientID, clientSecret: secret, redirectURL: o.oidcRedirectURL,
                print: { console.info($0) }, printOut: { console.stdout.line($0) }, readLine: { console.stdin.readLine() })
            var useDevice = o.authFlow == .device
            if o.authFlow == nil {
                if console.stdin.isTerminal {
                    try PrivacyStatement.show(console: console, prompt: !o.assumeYes)
                } else {
                    console.info("Non-interactive mode detected, using device flow.")
                    useDevice = true
                }
            }
            return useDevice ? try await flow.device(http: http) : try await flow.browser(http: http)
        } catch let error as SigningError {
            throw SigningError(error.code, "getting an identity token: \(error.message)", underlying: error)
        }
    }
}
