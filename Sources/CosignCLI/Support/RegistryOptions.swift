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

    @Flag(name: .customLong("k8s-keychain"), help: "whether to use the kubernetes keychain instead of the default keychain (supports workload identity).")
    var k8sKeychain = false

    @Option(name: .customLong("attachment-tag-prefix"), help: "optional custom prefix to use for attached image tags. Attachment images are tagged as: `[AttachmentTagPrefix]sha256-[TargetImageDigest].[AttachmentName]`")
    var attachmentTagPrefix: String = ""

    /// A client configured from the flags, with credentials from the flags or the Docker configuration.
    func client(context: CommandContext) throws -> RegistryClient {
        if k8sKeychain { throw CLIError("--k8s-keychain is not supported") }
        var configuration = RegistryClient.Configuration()
        configuration.allowHTTP = allowHTTPRegistry
        configuration.allowInsecureTLS = allowInsecureRegistry
        if let registryCACert {
            do {
                configuration.caCertificatesPEM = try String(contentsOfFile: registryCACert, encoding: .utf8)
            } catch {
                throw CLIError("reading --registry-cacert \(registryCACert): no such file or not readable")
            }
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
        return try RegistryClient(configuration: configuration, credentials: provider)
    }

    /// A signature store over a client configured from the flags. Call ``SignatureStore/close()`` when done.
    func store(context: CommandContext) throws -> SignatureStore {
        SignatureStore(client: try client(context: context), options: try storeOptions(context: context))
    }

    /// The store options for cosign's signature layouts.
    func storeOptions(context: CommandContext) throws -> SignatureStore.Options {
        var options = SignatureStore.Options()
        options.tagPrefix = attachmentTagPrefix
        if let repository = context.environment["COSIGN_REPOSITORY"], !repository.isEmpty {
            options.repositoryOverride = repository
        }
        options.dockerMediaTypes = ["1", "true"].contains(context.environment["COSIGN_DOCKER_MEDIA_TYPES"]?.lowercased() ?? "")
        if let size = context.environment["COSIGN_MAX_ATTACHMENT_SIZE"], !size.isEmpty {
            guard let bytes = Self.parseSize(size) else {
                throw CLIError("invalid COSIGN_MAX_ATTACHMENT_SIZE \"\(size)\": expected a size such as 5120, 20K, 45MiB or 1GB")
            }
            options.maxAttachmentSize = bytes
        }
        return options
    }

    /// Parses a size as go-humanize does: a number with an optional SI (K, MB…) or IEC (KiB, MiB…) suffix.
    static func parseSize(_ text: String) -> Int? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let digits = trimmed.prefix { $0.isNumber || $0 == "." }
        guard let value = Double(digits), value >= 0 else { return nil }
        let unit = trimmed.dropFirst(digits.count).trimmingCharacters(in: .whitespaces).lowercased()
        let multipliers: [String: Double] = [
            "": 1, "b": 1, "k": 1e3, "kb": 1e3, "m": 1e6, "mb": 1e6, "g": 1e9, "gb": 1e9, "t": 1e12, "tb": 1e12,
            "ki": 1024, "kib": 1024, "mi": 1_048_576, "mib": 1_048_576, "gi": 1_073_741_824, "gib": 1_073_741_824, "ti": 1_099_511_627_776, "tib": 1_099_511_627_776,
        ]
        guard let multiplier = multipliers[unit] else { return nil }
        let bytes = value * multiplier
        guard bytes < Double(Int.max) else { return nil }
        return Int(bytes)
    }
}

/// Credentials from `--registry-username/--registry-password` or `--registry-token`, for every registry.
struct FlagCredentials: CredentialProvider {
    var credentials: RegistryCredentials
    func credentials(for registry: String) throws -> RegistryCredentials? { credentials }
}
