import ArgumentParser
import Cosign

struct Initialize: CosignSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "initialize",
        abstract: "Initializes SigStore root to retrieve trusted certificate and key targets for verification.",
        discussion: """
            Initializes the TUF cache (TUF_ROOT, default ~/.sigstore/root) that commands take trusted_root.json and
            signing_config.v0.2.json from when no --trusted-root or --signing-config is given. By default the root
            embedded in this build and the public-good mirror are used; a private Sigstore is trusted by its mirror and
            an out-of-band root.json. The cache is replaced only when the new one is complete.

              # the public-good instance
              cosign initialize

              # a private instance (or an air-gapped copy of a repository: --mirror file:///DIR)
              cosign initialize --mirror https://tuf.example.com --root root.json

              # an initial root fetched over HTTPS, checked against its checksum
              cosign initialize --mirror https://tuf.example.com --root https://tuf.example.com/1.root.json \\
                  --root-checksum sha256:<hex>
            """)

    @OptionGroup var global: GlobalOptions

    @Option(name: .customLong("mirror"), help: "GCS bucket to a SigStore TUF repository, or HTTP(S) base URL, or file:/// for local filestore remote (air-gap)")
    var mirror: String = "https://tuf-repo-cdn.sigstore.dev"

    @Option(name: .customLong("root"), help: "path to trusted initial root. defaults to embedded root")
    var root: String?

    @Option(name: .customLong("root-checksum"), help: "checksum of the initial root, required if root is downloaded via http(s). expects sha256 by default, can be changed to sha512 by providing sha512:<checksum>")
    var rootChecksum: String?

    @Flag(name: .customLong("staging"), help: "use the staging TUF repository")
    var staging = false

    func execute(_ console: Console) async throws {
        var options = TUFTrust.InitializeOptions()
        (options.mirror, options.root, options.rootChecksum, options.staging) = (mirror, root, rootChecksum, staging)
        try await TUFTrust.initialize(options, environment: console.environment, console: console)
    }
}
