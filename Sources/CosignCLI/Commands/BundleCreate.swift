import ArgumentParser
import Cosign
import SigstoreCore
import SigstoreModels

struct BundleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bundle", abstract: "Interact with a Sigstore protobuf bundle", subcommands: [BundleCreate.self, BundleInspectCommand.self, BundleUpgradeCommand.self])
}

struct BundleCreate: CosignSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create a Sigstore protobuf bundle",
        discussion: """
            Create a Sigstore protobuf bundle by supplying signed material

              cosign bundle create --artifact FILE --bundle FILE.legacy-bundle --out FILE.sigstore.json
              cosign bundle create --artifact FILE --signature FILE.sig --certificate FILE.pem --rekor-url URL --out FILE.sigstore.json
              cosign bundle create --artifact FILE --signature FILE.sig --key cosign.pub --ignore-tlog --out FILE.sigstore.json
            """)

    @OptionGroup var global: GlobalOptions

    @Option(name: .customLong("artifact"), help: "path to artifact FILE")
    var artifact: String?

    @Option(name: .customLong("attestation"), help: "path to attestation FILE")
    var attestation: String?

    @Option(name: .customLong("bundle"), help: "path to old format bundle FILE")
    var bundle: String?

    @Option(name: .customLong("certificate"), help: "path to the signing certificate, likely from Fulcio.")
    var certificate: String?

    @Flag(name: .customLong("ignore-tlog"), help: "ignore transparency log verification, to be used when an artifact signature has not been uploaded to the transparency log.")
    var ignoreTlog = false

    @Option(name: .customLong("key"), help: "path to the public key file, KMS URI or Kubernetes Secret")
    var key: String?

    @Option(name: .customLong("out"), help: "path to output bundle")
    var out: String?

    @Option(name: .customLong("rfc3161-timestamp"), help: "path to RFC3161 timestamp FILE")
    var rfc3161Timestamp: String?

    @Option(name: .customLong("signature"), help: "path to base64-encoded signature over attestation in DSSE format")
    var signature: String?

    @Flag(name: .customLong("sk"), help: "whether to use a hardware security key")
    var sk = false

    @Option(name: .customLong("rekor-url"), help: "address of rekor STL server")
    var rekorURL: String?

    func execute(_ console: Console) async throws {
        if sk { throw CLIError("hardware security keys (--sk) are not supported yet") }
        var creation = BundleCreation()
        (creation.artifact, creation.attestation, creation.bundle, creation.certificate) = (artifact, attestation, bundle, certificate)
        (creation.signature, creation.rfc3161Timestamp, creation.key, creation.ignoreTransparencyLog) = (signature, rfc3161Timestamp, key, ignoreTlog)
        if let rekorURL {
            console.info("Flag --rekor-url has been deprecated, please use a signing config to specify a rekor url; see `cosign signing-config --help`")
            creation.rekorURL = rekorURL
        }
        let bytes = try await creation.make(console: console).jsonData()
        if let out {
            try FileSystem.writeAtomically(bytes, to: out, mode: 0o600)
        } else {
            console.stdout.write(bytes + [0x0A])
        }
    }
}

struct BundleUpgradeCommand: CosignSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "upgrade",
        abstract: "Upgrade a Sigstore protobuf bundle",
        discussion: "Upgrade a Sigstore Protobuf bundle to the latest version. This command only supports standardized bundles.")

    @OptionGroup var global: GlobalOptions

    @Option(name: .customLong("out"), help: "path to the output upgraded bundle file")
    var out: String?

    @Option(name: .customLong("rekor-url"), help: "URL of the transparency log")
    var rekorURL = SigningOptions.defaultRekorURL

    @Argument(help: "the bundle") var bundle: String

    func execute(_ console: Console) async throws {
        var upgrade = BundleUpgrade()
        upgrade.rekorURL = rekorURL
        let bytes = try await upgrade.upgrade(try FileSystem.readFile(bundle, limit: Limits.maxDocumentBytes), console: console)
        if let out {
            try FileSystem.writeAtomically(bytes, to: out, mode: 0o600)
            console.info("Successfully upgraded bundle written to \(out)")
        } else {
            console.stdout.write(bytes + [0x0A])
        }
    }
}

struct BundleInspectCommand: CosignSubcommand {
    static let configuration = CommandConfiguration(commandName: "inspect", abstract: "Inspect a Sigstore protobuf bundle")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "the bundle") var bundle: String

    func execute(_ console: Console) async throws {
        console.stderr.line("WARNING: This command only inspects the contents of the bundle.")
        console.stderr.line("It does not perform cryptographic verification or verify log inclusion.")
        console.stderr.line("")
        // Logs and authorities are named by URL from the local TUF cache when there is one; nothing is fetched.
        var trustedRoot: TrustedRoot?
        do {
            trustedRoot = try await TrustSources.trustedRoot(offline: true, console: console)
        } catch {
            let reason = (error as? any ReportableError)?.message ?? "\(error)"
            console.stderr.line("Local TUF environment not initialized, some details will be omitted: \(reason)")
        }
        let bytes: [UInt8]
        do {
            bytes = try FileSystem.readFile(bundle, limit: Limits.maxDocumentBytes)
        } catch let error as any ReportableError {
            throw CosignError(.io, "opening bundle file: \(error.message)", underlying: error)
        }
        console.stdout.write(try BundleInspection(trustedRoot: trustedRoot).describe(bytes))
    }
}
