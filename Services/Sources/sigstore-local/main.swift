import ArgumentParser
import Foundation
import LocalSigstore
import Logging

/// `sigstore-local`: a self-hosted Sigstore (Fulcio, Rekor v1 and v2, TSA, development OIDC issuer) on loopback.
@main
struct SigstoreLocal: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sigstore-local",
        abstract: "A self-hosted Sigstore: Fulcio, Rekor v1 and v2, an RFC 3161 TSA and a development OIDC issuer.",
        subcommands: [Serve.self, Token.self])
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Start the services; print one JSON line with their URLs once they listen.")

    @Option(help: "Directory for keys, the SQLite database and the trust files (created if missing).")
    var dataDir: String

    @Option(help: "The address every service binds and names in its URLs.")
    var address = "127.0.0.1"

    @Option(help: "Store the logs in PostgreSQL (postgres://user@host:port/db) instead of SQLite.")
    var database: String?

    @Option(help: "Run only these services (comma-separated: oidc,fulcio,rekor,rekor-v2,tsa).")
    var services: String?

    @Option(help: "Fixed port of the OIDC issuer.") var oidcPort: Int?
    @Option(help: "Fixed port of Fulcio.") var fulcioPort: Int?
    @Option(help: "Fixed port of Rekor v1.") var rekorPort: Int?
    @Option(help: "Fixed port of Rekor v2.") var rekorV2Port: Int?
    @Option(help: "Fixed port of the timestamp authority.") var tsaPort: Int?

    @Option(name: .customLong("trust-issuer"), help: "Another OIDC issuer URL Fulcio accepts tokens from (repeatable).")
    var trustIssuers: [String] = []

    @Flag(help: "The development issuer skips its login page and approves device codes at once (tests).")
    var autoApprove = false

    @Option(help: "The identity used by --auto-approve and prefilled on the login page.")
    var defaultEmail = "developer@sigstore.local"

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical (debug logs every request).")
    var logLevel = "info"

    @Option(help: "Log format on standard error: text or json (one object per line).")
    var logFormat = "text"

    func run() async throws {
        var configuration = LocalStack.Configuration(dataDirectory: dataDir)
        configuration.address = address
        configuration.database = database
        configuration.autoApprove = autoApprove
        configuration.defaultEmail = defaultEmail
        configuration.trustedIssuers = trustIssuers
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
        let ports: [(LocalStack.Service, Int?)] = [(.oidc, oidcPort), (.fulcio, fulcioPort), (.rekor, rekorPort), (.rekorV2, rekorV2Port), (.tsa, tsaPort)]
        for case let (service, port?) in ports { configuration.ports[service] = port }
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
    @Option(help: "Lifetime in seconds (negative for an already expired token).") var expiresIn: Int = 600
    @Option(help: "The audience.") var audience = "sigstore"

    func run() async throws {
        guard email != nil || subject != nil else { throw ValidationError("give --email or --subject") }
        do {
            let token = try await DevelopmentTokens.mint(
                dataDirectory: dataDir, email: email, subject: subject, expiresIn: TimeInterval(expiresIn), audience: audience)
            print(token)
        } catch {
            FileHandle.standardError.write(Data("sigstore-local: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}
