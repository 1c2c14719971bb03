import ArgumentParser
import Cosign
import SigstoreCore

/// Writes a created document as Go cosign does: to `--out` (mode 0600, atomically, no trailing newline) or to
/// standard output with a newline.
private func emit(_ bytes: [UInt8], out: String?, console: Console) throws {
    if let out {
        try FileSystem.writeAtomically(bytes, to: out, mode: 0o600)
    } else {
        console.stdout.write(bytes + [0x0A])
    }
}

struct TrustedRootCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trusted-root", abstract: "Interact with a Sigstore protobuf trusted root",
        subcommands: [TrustedRootCreate.self])
}

struct TrustedRootCreate: CosignSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create a Sigstore protobuf trusted root",
        discussion: """
            Create a Sigstore protobuf trusted root by supplying verification material.

            Each service is specified via a repeatable flag (--fulcio, --rekor, --ctfe, --tsa) that takes a comma-separated list of key-value pairs.

              cosign trusted-root create --fulcio url=https://fulcio.example,certificate-chain=ca.pem \\
                --rekor url=https://rekor.example,public-key=rekor.pub,start-time=2024-01-01T00:00:00Z --out trusted_root.json
            """)

    @OptionGroup var global: GlobalOptions

    @Option(name: .customLong("fulcio"), help: "fulcio service specification, as a comma-separated key-value list. Required keys: url, certificate-chain (path to PEM-encoded certificate chain). Optional keys: start-time, end-time.")
    var fulcio: [String] = []

    @Option(name: .customLong("rekor"), help: "rekor service specification, as a comma-separated key-value list. Required keys: url, public-key (path to PEM-encoded public key), start-time. Optional keys: end-time, origin.")
    var rekor: [String] = []

    @Option(name: .customLong("ctfe"), help: "ctfe service specification, as a comma-separated key-value list. Required keys: url, public-key (path to PEM-encoded public key), start-time. Optional keys: end-time, origin.")
    var ctfe: [String] = []

    @Option(name: .customLong("tsa"), help: "timestamping authority specification, as a comma-separated key-value list. Required keys: url, certificate-chain (path to PEM-encoded certificate chain). Optional keys: start-time, end-time.")
    var tsa: [String] = []

    @Flag(name: .customLong("with-default-services"), help: "use the Sigstore TUF root as default values to populate the trusted root. Specifying the other service flags will override the default values.")
    var withDefaultServices = false

    @Flag(name: .customLong("no-default-fulcio"), help: "removes the default Fulcio URLs from the trusted root.")
    var noDefaultFulcio = false

    @Flag(name: .customLong("no-default-rekor"), help: "removes the default Rekor URLs from the trusted root.")
    var noDefaultRekor = false

    @Flag(name: .customLong("no-default-ctfe"), help: "removes the default CTFE URLs from the trusted root.")
    var noDefaultCTFE = false

    @Flag(name: .customLong("no-default-tsa"), help: "removes the default TSA URLs from the trusted root.")
    var noDefaultTSA = false

    @Option(name: .customLong("out"), help: "path to output trusted root")
    var out: String?

    func execute(_ console: Console) async throws {
        var creation = TrustedRootCreation()
        (creation.fulcio, creation.rekor, creation.ctfe, creation.tsa) = (fulcio, rekor, ctfe, tsa)
        creation.withDefaultServices = withDefaultServices
        (creation.noDefaultFulcio, creation.noDefaultRekor, creation.noDefaultCTFE, creation.noDefaultTSA) =
            (noDefaultFulcio, noDefaultRekor, noDefaultCTFE, noDefaultTSA)
        let root = try await creation.make(console: console)
        try emit(TrustedRootCreation.jsonData(root), out: out, console: console)
    }
}

struct SigningConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "signing-config", abstract: "Interact with a Sigstore protobuf signing config",
        subcommands: [SigningConfigCreate.self])
}

struct SigningConfigCreate: CosignSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create a Sigstore protobuf signing config",
        discussion: """
            Create a Sigstore protobuf signing config by supplying verification material for Fulcio, Rekor, OIDC, and TSA services.
            Each service is specified via a repeatable flag (--fulcio, --rekor, --oidc-provider, --tsa) that takes a comma-separated list of key-value pairs.

            Use --base-config to start from an existing signing config and override specific services. Service flags will replace services from the base config.
            """)

    @OptionGroup var global: GlobalOptions

    @Option(name: .customLong("fulcio"), help: "fulcio service specification, as a comma-separated key-value list. Required keys: url, api-version (integer), start-time, operator. Optional keys: end-time.")
    var fulcio: [String] = []

    @Option(name: .customLong("rekor"), help: "rekor service specification, as a comma-separated key-value list. Required keys: url, api-version (integer), start-time, operator. Optional keys: end-time.")
    var rekor: [String] = []

    @Option(name: .customLong("oidc-provider"), help: "oidc provider specification, as a comma-separated key-value list. Required keys: url, api-version (integer), start-time, operator. Optional keys: end-time.")
    var oidcProvider: [String] = []

    @Option(name: .customLong("tsa"), help: "timestamping authority specification, as a comma-separated key-value list. Required keys: url, api-version (integer), start-time, operator. Optional keys: end-time.")
    var tsa: [String] = []

    @Option(name: .customLong("rekor-config"), help: "rekor configuration. Required if --rekor is provided. One of: ANY, ALL, EXACT:<count>")
    var rekorConfig: String?

    @Option(name: .customLong("tsa-config"), help: "timestamping authority configuration. Required if --tsa is provided. One of: ANY, ALL, EXACT:<count>")
    var tsaConfig: String?

    @Option(name: .customLong("base-config"), help: "path to base signing config file to use as starting point. Service flags will replace services from the base config.")
    var baseConfig: String?

    @Flag(name: .customLong("with-default-services"), help: "use the Sigstore TUF root as default values to populate the signing config. Specifying the other service flags will override the default values.")
    var withDefaultServices = false

    @Flag(name: .customLong("with-default-rekor-v2"), help: "use the Sigstore TUF root, with the Rekor v2 service, as default values to populate the signing config. Specifying the other service flags will override the default values.")
    var withDefaultRekorV2 = false

    @Flag(name: .customLong("no-default-fulcio"), help: "removes the default Fulcio URLs from the signing config.")
    var noDefaultFulcio = false

    @Flag(name: .customLong("no-default-oidc"), help: "removes the default OIDC provider URLs from the signing config.")
    var noDefaultOIDC = false

    @Flag(name: .customLong("no-default-rekor"), help: "removes the default Rekor URLs from the signing config.")
    var noDefaultRekor = false

    @Flag(name: .customLong("no-default-tsa"), help: "removes the default TSA URLs from the signing config.")
    var noDefaultTSA = false

    @Option(name: .customLong("out"), help: "path to output signing config")
    var out: String?

    func execute(_ console: Console) async throws {
        var creation = SigningConfigCreation()
        (creation.fulcio, creation.rekor, creation.oidcProvider, creation.tsa) = (fulcio, rekor, oidcProvider, tsa)
        (creation.rekorConfig, creation.tsaConfig, creation.baseConfig) = (rekorConfig, tsaConfig, baseConfig)
        (creation.withDefaultServices, creation.withDefaultRekorV2) = (withDefaultServices, withDefaultRekorV2)
        (creation.noDefaultFulcio, creation.noDefaultOIDC, creation.noDefaultRekor, creation.noDefaultTSA) =
            (noDefaultFulcio, noDefaultOIDC, noDefaultRekor, noDefaultTSA)
        let result = try await creation.make(console: console)
        try emit(SigningConfigCreation.jsonData(result), out: out, console: console)
    }
}
