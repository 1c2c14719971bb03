import ArgumentParser
import Foundation
import LocalSigstore
import SigstoreCore
import Logging

/// `sigstore-local`: a self-hosted Sigstore (Fulcio, Rekor v1 and v2, TSA, development OIDC issuer) on loopback.
@main
struct SigstoreLocal: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sigstore-local",
        abstract: "A self-hosted Sigstore: Fulcio, Rekor v1 and v2, an RFC 3161 TSA, a development OIDC issuer and a TUF repository of its trust material.",
        subcommands: [Serve.self, Token.self, Rotate.self])
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Start the services; print one JSON line with their URLs once they listen.",
        discussion: """
            The ready line names each service's URL (oidc, fulcio, rekor, rekor-v2, tsa, tuf) and the files clients \
            use: trustedRoot, signingConfig, trustConfig, and tufRoot, the root.json to bootstrap TUF from. The tuf URL \
            is a TUF repository in Sigstore's CDN layout holding trusted_root.json and signing_config.v0.2.json:
              cosign initialize --mirror <tuf> --root <tufRoot>
              sigstore --instance <tuf> trust-instance <tufRoot>   (then sigstore --instance <tuf> sign|verify …)
            Its timestamp lives a day and is re-signed at start and while serving once half of it has passed; new \
            targets (with snapshot and timestamp) are published only when the trust material changed, so a restart \
            adds no versions. Its keys are DATA/keys/tuf-{root,targets,online}.key.pem.
            The address and the ports chosen at the first start are remembered in DATA/ports.json and reused, so a \
            restart comes back at the same URLs (they are in tokens, certificates and trust files); a remembered port \
            that is taken is an error. Port flags override them (and are remembered in turn).
            """)

    @Option(help: "Directory for keys, the SQLite database and the trust files (created if missing).")
    var dataDir: String

    @Option(help: "The address every service binds and names in its URLs (default: the remembered one, else 127.0.0.1).")
    var address: String?

    @Option(help: "Store the logs in PostgreSQL (postgres://user@host:port/db) instead of SQLite. Several replicas may share one database: start each with a copy of the same keys/ directory.")
    var database: String?

    @Option(help: "The URL clients reach the services at, when it is a load balancer's (with --port): services are named <URL>/<service> and checkpoints name its host.")
    var publicURL: String?

    @Option(help: "Run only these services (comma-separated: oidc,fulcio,rekor,rekor-v2,tsa,tuf).")
    var services: String?

    @Option(help: "One listener on this port for every service, each under a path prefix of its name (/oidc, /fulcio, /rekor, /rekor-v2, /tsa, /tuf).")
    var port: Int?

    @Option(help: "Fixed port of the OIDC issuer.") var oidcPort: Int?
    @Option(help: "Fixed port of Fulcio.") var fulcioPort: Int?
    @Option(help: "Fixed port of Rekor v1.") var rekorPort: Int?
    @Option(help: "Fixed port of Rekor v2.") var rekorV2Port: Int?
    @Option(help: "Fixed port of the timestamp authority.") var tsaPort: Int?
    @Option(help: "Fixed port of the TUF repository.") var tufPort: Int?

    @Option(name: .customLong("trust-issuer"), help: "Another OIDC issuer URL Fulcio accepts tokens from (repeatable).")
    var trustIssuers: [String] = []

    @Option(help: "TLS for every listener: the certificate chain (PEM, leaf first); with --tls-key.") var tlsCert: String?
    @Option(help: "TLS: the certificate's private key (PEM).") var tlsKey: String?
    @Option(help: "TLS: `self-signed` makes a CA in DATA/tls (named tlsCA in the ready line) and a certificate for the address.") var tls: String?

    @Option(help: "Fulcio's issuer configuration (JSON: OIDCIssuers and MetaIssuers with IssuerURL, ClientID, Type, CIProvider, SubjectDomain, SPIFFETrustDomain).")
    var issuerConfig: String?

    @Flag(help: "The development issuer skips its login page and approves device codes at once (tests).")
    var autoApprove = false

    @Option(help: "The identity used by --auto-approve and prefilled on the login page.")
    var defaultEmail = "developer@sigstore.local"

    @Option(help: "Seconds a connection may stay silent (idle between requests, or in the middle of one) before it is closed.")
    var idleTimeout = 30

    @Option(help: "Most connections the services hold together; past it the longest-quiet one is closed for a new one.")
    var maxConnections = 4096

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical (debug logs every request).")
    var logLevel = "info"

    @Option(help: "Log format on standard error: text or json (one object per line).")
    var logFormat = "text"

    func run() async throws {
        var configuration = LocalStack.Configuration(dataDirectory: dataDir)
        configuration.address = address
        configuration.database = database
        configuration.publicURL = publicURL
        configuration.autoApprove = autoApprove
        configuration.defaultEmail = defaultEmail
        configuration.trustedIssuers = trustIssuers
        switch (tls, tlsCert, tlsKey) {
        case (nil, nil, nil): break
        case ("self-signed", nil, nil): configuration.tls = .selfSigned
        case (nil, let certificate?, let key?): configuration.tls = .files(certificate: certificate, key: key)
        case (let mode?, _, _) where mode != "self-signed": throw ValidationError("--tls takes self-signed, got \(mode)")
        default: throw ValidationError("give --tls-cert and --tls-key together, or --tls self-signed alone")
        }
        if let issuerConfig {
            do {
                configuration.issuerConfiguration = try IssuerConfiguration(contentsOf: issuerConfig)
            } catch {
                FileHandle.standardError.write(Data("sigstore-local: \(error)\n".utf8))
                throw ExitCode.failure
            }
        }
        guard idleTimeout > 0 else { throw ValidationError("--idle-timeout must be a positive number of seconds") }
        configuration.idleTimeout = .seconds(idleTimeout)
        guard maxConnections > 0 else { throw ValidationError("--max-connections must be a positive number") }
        configuration.maxConnections = maxConnections
        guard let level = Logger.Level(rawValue: logLevel) else { throw ValidationError("unknown --log-level \(logLevel)") }
        configuration.logLevel = level
        if let services {
            var set = Set<LocalStack.Service>()
            for name in services.split(separator: ",") {
                guard let s = LocalStack.Service(rawValue: String(name)) else { throw ValidationError("unknown service \(name)") }
                set.insert(s)
            }
            configuration.services = set
        }
        let ports: [(LocalStack.Service, Int?)] = [(.oidc, oidcPort), (.fulcio, fulcioPort), (.rekor, rekorPort), (.rekorV2, rekorV2Port), (.tsa, tsaPort), (.tuf, tufPort)]
        for case let (service, port?) in ports { configuration.ports[service] = port }
        if let port {
            guard (0...65535).contains(port) else { throw ValidationError("--port must be a port number") }
            guard configuration.ports.isEmpty else {
                throw ValidationError("--port serves every service on one listener: it cannot be combined with --\(configuration.ports.keys.first!.rawValue)-port")
            }
            configuration.port = port
        }
        // Logs go to stderr; stdout carries only the ready line.
        guard ["text", "json"].contains(logFormat) else { throw ValidationError("--log-format must be text or json") }
        let json = logFormat == "json"
        LoggingSystem.bootstrap { label in
            if json { return JSONLogHandler(label: label, level: level) }
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        do {
            try await LocalStack.run(configuration) { endpoints in
                FileHandle.standardOutput.write(Data((endpoints.json + "\n").utf8))
            }
        } catch {
            FileHandle.standardError.write(Data("sigstore-local: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}

struct Token: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print an ID token from the development issuer of a data directory (serve must have run once).")

    @Option(help: "The data directory of the stack.") var dataDir: String
    @Option(help: "The email claim (with email_verified).") var email: String?
    @Option(help: "The subject; with no email it must be a URI, which becomes the certificate's URI SAN.") var subject: String?
    @Option(help: "A GitHub Actions token (issuer ISSUER/github) for a run of OWNER/REPO/.github/workflows/FILE@REF, with GitHub's claims.")
    var githubWorkflow: String?
    @Option(help: "With --github-workflow: the event that triggered the run.") var githubEvent = "push"
    @Option(help: "With --github-workflow: the commit (default: derived from the workflow).") var githubSHA: String?
    @Option(help: "A GitLab CI token (issuer ISSUER/gitlab) for a pipeline of GROUP/PROJECT; with --gitlab-ref.") var gitlabProject: String?
    @Option(help: "With --gitlab-project: the branch, or refs/tags/NAME.") var gitlabRef = "main"
    @Option(help: "With a CI token: set a claim (NAME=VALUE, repeatable).") var claim: [String] = []
    @Option(help: "With a CI token: leave a claim out (repeatable).") var withoutClaim: [String] = []
    @Option(help: "Lifetime in seconds (negative for an already expired token).") var expiresIn: Int = 600
    @Option(help: "The audience.") var audience = "sigstore"

    func run() async throws {
        let ci = [githubWorkflow, gitlabProject].compactMap { $0 }.count
        guard ci + (email != nil || subject != nil ? 1 : 0) == 1 else {
            throw ValidationError("give one of --email/--subject, --github-workflow or --gitlab-project")
        }
        var overrides: [String: String?] = [:]
        for pair in claim {
            guard let eq = pair.firstIndex(of: "=") else { throw ValidationError("--claim needs NAME=VALUE, got \(pair)") }
            overrides[String(pair[..<eq])] = String(pair[pair.index(after: eq)...])
        }
        for name in withoutClaim { overrides[name] = .some(nil) }
        do {
            let token: String
            if let githubWorkflow {
                let claims = try DevelopmentIssuer.githubClaims(workflow: githubWorkflow, event: githubEvent, sha: githubSHA, overrides: overrides)
                token = try await DevelopmentTokens.mint(
                    dataDirectory: dataDir, claims: claims, issuerPath: DevelopmentIssuer.githubPath, expiresIn: TimeInterval(expiresIn), audience: audience)
            } else if let gitlabProject {
                let claims = try DevelopmentIssuer.gitlabClaims(project: gitlabProject, ref: gitlabRef, overrides: overrides)
                token = try await DevelopmentTokens.mint(
                    dataDirectory: dataDir, claims: claims, issuerPath: DevelopmentIssuer.gitlabPath, expiresIn: TimeInterval(expiresIn), audience: audience)
            } else {
                token = try await DevelopmentTokens.mint(
                    dataDirectory: dataDir, email: email, subject: subject, expiresIn: TimeInterval(expiresIn), audience: audience)
            }
            print(token)
        } catch {
            FileHandle.standardError.write(Data("sigstore-local: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}

struct Rotate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Replace one authority's key in a stopped instance and publish the new trust material through TUF.",
        discussion: """
            Works on a stopped instance: stop `serve` first (rotate refuses, changing nothing, while a server holds \
            the data directory), rotate, then start `serve` again; it comes back at the same URLs.

            A new generation of the authority is made: rekor a new key and tree ID (a new shard, an empty log), \
            rekor-v2 a new checkpoint key, fulcio a new root and intermediate CA, tsa a new root, certificate and key, \
            ctlog a new SCT key. In trusted_root.json the old key or chain stays, its validFor.end set to now, and the \
            new one is added with validFor.start now; bundles made before keep verifying, new ones use the new key. \
            The TUF repository publishes a new targets version (with snapshot and timestamp); clients see it on \
            their next refresh.

            Prints one JSON line: {"authority","generation","validFrom","trustedRoot","tufTargetsVersion"}.
            """)

    @Option(help: "The data directory of the instance.") var dataDir: String
    @Option(help: "The authority whose key to replace: rekor, rekor-v2, fulcio, tsa or ctlog.") var service: String

    func run() async throws {
        do {
            guard let authority = InstanceKeys.Authority(rawValue: service) else {
                throw InstanceError(
                    .unknownAuthority,
                    "unknown --service \(service): expected one of "
                        + InstanceKeys.Authority.allCases.map(\.rawValue).joined(separator: ", "))
            }
            let outcome = try await Rotation.rotate(authority, dataDirectory: dataDir)
            print(outcome.json)
        } catch {
            FileHandle.standardError.write(Data("sigstore-local: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}
