import ArgumentParser
import Cosign
import SigstoreCrypto
import SigstoreCore

struct GenerateKeyPair: CosignSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "generate-key-pair",
        abstract: "Generates a key-pair.",
        discussion: """
            Generates a key-pair for signing. The private key is encrypted with a password read from \
            COSIGN_PASSWORD, asked twice on a terminal, or read from standard input.

              cosign generate-key-pair
              cosign generate-key-pair --output-key-prefix release
            """)

    @OptionGroup var global: GlobalOptions

    @Option(name: .customLong("kms"), help: "create key pair in KMS service to use for signing")
    var kms: String?

    @Option(name: .customLong("output-key-prefix"), help: "name used for generated .pub and .key files")
    var outputKeyPrefix: String = "cosign"

    @Argument(help: "optional key reference (k8s://, github://, gitlab://)")
    var reference: [String] = []

    func execute(_ console: Console) async throws {
        if let kms {
            let publicKey = try await KeyReference.createManagedKey(kms, console: console)
            let path = "\(outputKeyPrefix).pub"
            try FileSystem.writeAtomically(Array(publicKey.pemRepresentation.utf8), to: path, mode: 0o600)
            console.info("Public key written to \(path)")
            return
        }
        if let first = reference.first {
            guard let scheme = first.firstRange(of: "://") else { throw CLIError("could not parse scheme, use <scheme>://<ref> format") }
            throw CLIError("storing key pairs in \(first[..<scheme.lowerBound])://… is not supported yet")
        }
        guard !outputKeyPrefix.isEmpty else { throw CLIError("--output-key-prefix must not be empty") }
        let pair = try KeyFiles.keyPair(for: SigningKey.generateP256(), password: try console.password(confirm: true))
        try pair.write(prefix: outputKeyPrefix, overwrite: false, console: console)
    }
}

struct ImportKeyPair: CosignSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "import-key-pair",
        abstract: "Imports a PEM-encoded RSA, EC or Ed25519 private key.",
        discussion: """
            Imports an unencrypted PEM private key (PRIVATE KEY, EC PRIVATE KEY or RSA PRIVATE KEY) and writes it \
            as a cosign encrypted key pair.

              cosign import-key-pair --key openssl.key --output-key-prefix my-key
            """)

    @OptionGroup var global: GlobalOptions

    @Option(name: [.customShort("k"), .customLong("key")], help: "import key pair to use for signing")
    var key: String

    @Option(name: [.customShort("o"), .customLong("output-key-prefix")], help: "name used for outputted key pairs")
    var outputKeyPrefix: String = "import-cosign"

    @Flag(name: [.customShort("y"), .customLong("yes")], help: "skip confirmation prompts for non-destructive operations")
    var yes = false

    func execute(_ console: Console) async throws {
        let signingKey = try KeyFiles.importPrivateKey(pem: try FileSystem.readText(key, limit: 1 << 20))
        let pair = try KeyFiles.keyPair(for: signingKey, password: try console.password(confirm: true))
        try pair.write(prefix: outputKeyPrefix, overwrite: yes, console: console)
    }
}

struct PublicKeyCommand: CosignSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "public-key",
        abstract: "Gets a public key from the key-pair.",
        discussion: """
            Extracts the public key from a cosign private key and writes it as PEM to stdout or --outfile.

              cosign public-key --key cosign.key
              cosign public-key --key cosign.key --outfile cosign.pub
            """)

    @OptionGroup var global: GlobalOptions

    @Option(name: .customLong("key"), help: "path to the private key file, KMS URI or Kubernetes Secret")
    var key: String?

    @Flag(name: .customLong("sk"), help: "whether to use a hardware security key")
    var sk = false

    @Option(name: .customLong("slot"), help: "security key slot to use for generated key")
    var slot: String?

    @Option(name: .customLong("outfile"), help: "path to a payload file to use rather than generating one")
    var outfile: String?

    func execute(_ console: Console) async throws {
        if sk { throw CLIError("hardware security keys (--sk) are not supported yet") }
        guard let key else { throw CLIError("one of --key or --sk is required") }
        let pem = try await KeyReference.signerPublicKey(key, console: console).pemRepresentation
        if let outfile {
            try FileSystem.writeAtomically(Array(pem.utf8), to: outfile, mode: 0o644)
            console.info("Public key written to \(outfile)")
        } else {
            console.stdout.write(pem)
        }
    }
}
