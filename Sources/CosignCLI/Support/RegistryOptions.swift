import ArgumentParser
import Cosign
import CosignOCI
import Foundation
import OCIModels
import OCIRegistry
import SigstoreCore

/// cosign's registry flags (`options/registry.go`).
struct RegistryOptions: ParsableArguments {
    @Flag(name: .customLong("allow-insecure-registry"), help: "whether to allow insecure connections to registries (e.g., with expired or self-signed TLS certificates). Don't use this for anything but testing")
    var allowInsecureRegistry = false

    @Flag(name: .customLong("allow-http-registry"), help: "whether to allow using HTTP protocol while connecting to registries. Don't use this for anything but testing")
    var allowHTTPRegistry = false

    @Option(name: .customLong("registry-username"), help: "registry basic auth username")
    var registryUsername: String?

    @Option(name: .customLong("registry-password"), help: "registry basic auth password")
    var registryPassword: String?

    @Option(name: .customLong("registry-token"), help: "registry bearer auth token")
    var registryToken: String?

    @Option(name: .customLong("registry-cacert"), help: "path to the X.509 CA certificate file in PEM format to be used for the connection to the registry")
    var registryCACert: String?

    @Option(name: .customLong("registry-client-cert"), help: "path to the X.509 certificate file in PEM format to be used for the connection to the registry")
    var registryClientCert: String?

    @Option(name: .customLong("registry-client-key"), help: "path to the X.509 private key file in PEM format to be used, together with the 'registry-client-cert' value, for the connection to the registry")
    var registryClientKey: String?

    @Option(name: .customLong("registry-server-name"), help: "SAN name to use as the 'ServerName' tls.Config field to verify the mTLS connection to the registry")
    var registryServerName: String?

    @Flag(name: .customLong("k8s-keychain"), help: "whether to use the kubernetes keychain instead of the default keychain (supports workload identity).")
    var k8sKeychain = false

    @Option(name: .customLong("attachment-tag-prefix"), help: "optional custom prefix to use for attached image tags. Attachment images are tagged as: `[AttachmentTagPrefix]sha256-[TargetImageDigest].[AttachmentName]`")
    var attachmentTagPrefix: String = ""

    /// A client configured from the flags, with credentials from the flags or the Docker configuration; with a
    /// progress line for large blobs when standard error is a terminal.
    func client(console context: Console, progress: TransferProgress? = nil) throws -> RegistryClient {
        if k8sKeychain { throw CLIError("--k8s-keychain is not supported") }
        var configuration = RegistryClient.Configuration()
        configuration.allowHTTP = allowHTTPRegistry
        configuration.allowInsecureTLS = allowInsecureRegistry
        configuration.serverName = registryServerName.flatMap { $0.isEmpty ? nil : $0 }
        if let registryCACert {
            do {
                configuration.caCertificatesPEM = try String(contentsOfFile: registryCACert, encoding: .utf8)
            } catch {
                throw CLIError("reading --registry-cacert \(registryCACert): no such file or not readable")
            }
        }
        switch (registryClientCert, registryClientKey) {
        case (let cert?, let key?):
            do {
                configuration.clientCertificatePEM = try FileSystem.readText(cert, limit: 1 << 20)
                configuration.clientKeyPEM = try FileSystem.readText(key, limit: 1 << 20)
            } catch let error as any ReportableError {
                throw CLIError("reading the registry client certificate: \(error.message)")
            }
        case (nil, nil): break
        default: throw CLIError("--registry-client-cert and --registry-client-key must be given together")
        }
        let provider: any CredentialProvider
        if registryUsername != nil || registryPassword != nil || registryToken != nil {
            if registryToken != nil && (registryUsername != nil || registryPassword != nil) {
                throw CLIError("--registry-token cannot be combined with --registry-username/--registry-password")
            }
            provider = FlagCredentials(
                credentials: registryToken.map { RegistryCredentials(registryToken: $0) }
                    ?? RegistryCredentials(username: registryUsername ?? "", password: registryPassword ?? ""))
        } else {
            provider = try DockerConfigCredentials(environment: context.environment)
        }
        if let progress { configuration.progress = { progress.report($0) } }
        return try RegistryClient(configuration: configuration, credentials: provider)
    }

    /// Runs `body` with a signature store over a client configured from the flags, closed afterwards.
    func withStore<T>(_ console: Console, maxConcurrency: Int? = nil, _ body: (SignatureStore) async throws -> T) async throws -> T {
        var options = try SignatureStore.Options(environment: console.environment, tagPrefix: attachmentTagPrefix)
        if let maxConcurrency { options.maxConcurrency = maxConcurrency }
        let progress = console.stderr.isTerminal ? TransferProgress(sink: console.stderr) : nil
        let store = SignatureStore(client: try client(console: console, progress: progress), options: options)
        defer {
            progress?.finish()
            store.close()
        }
        return try await body(store)
    }
}

/// Credentials from `--registry-username/--registry-password` or `--registry-token`, for every registry.
struct FlagCredentials: CredentialProvider {
    var credentials: RegistryCredentials
    func credentials(for registry: String) throws -> RegistryCredentials? { credentials }
}

/// `--registry-referrers-mode` (Go cosign's `RegistryExperimentalOptions`): `legacy`, or `oci-1-1`, which Go accepts
/// only with `COSIGN_EXPERIMENTAL` set.
struct ReferrersModeOption: ParsableArguments {
    @Option(name: .customLong("registry-referrers-mode"), help: "mode for fetching references from the registry. allowed: legacy, oci-1-1")
    var registryReferrersMode: String?

    /// Whether `oci-1-1` was chosen; refuses other values, and `oci-1-1` without `COSIGN_EXPERIMENTAL`, with Go's messages.
    func usesOCI11(_ console: Console) throws -> Bool {
        guard let mode = registryReferrersMode else { return false }
        let prefix = "invalid argument \"\(mode)\" for \"--registry-referrers-mode\" flag: "
        switch mode {
        case "legacy": return false
        case "oci-1-1":
            // Go's strconv.ParseBool.
            guard ["1", "t", "T", "TRUE", "true", "True"].contains(console.environment["COSIGN_EXPERIMENTAL"] ?? "") else {
                throw CLIError(prefix + "in order to use  mode \"oci-1-1\", you must set COSIGN_EXPERIMENTAL=1")
            }
            return true
        default: throw CLIError(prefix + "must be one of \"legacy\", \"oci-1-1\"")
        }
    }
}
