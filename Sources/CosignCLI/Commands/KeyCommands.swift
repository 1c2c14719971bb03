import ArgumentParser
import Cosign
import SigstoreCrypto
import SigstoreCore

/// Writes a key pair the way cosign does: private key 0600, public key 0644, each atomically, with cosign's messages.
private func writeKeyPair(_ pair: KeyFiles.KeyPair, prefix: String, context: CommandContext) throws {
    try FileSystem.writeAtomically(Array(pair.privateKeyPEM.utf8), to: "\(prefix).key", mode: 0o600)
    context.info("Private key written to \(prefix).key")
    try FileSystem.writeAtomically(Array(pair.publicKeyPEM.utf8), to: "\(prefix).pub", mode: 0o644)
    context.info("Public key written to \(prefix).pub")
}

/// Asks before overwriting existing key files; without consent nothing is written.
private func confirmOverwrite(prefix: String, skip: Bool, context: CommandContext) throws {
    for path in ["\(prefix).key", "\(prefix).pub"] where FileSystem.exists(path) {
        if skip { return }
        context.warn("File \(path) already exists. Overwrite?")
        try Prompts.confirmContinue(context: context)
        return
    }
}

struct GenerateKeyPair: AsyncParsableCommand {
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

    func run() async throws {
        let prefix = outputKeyPrefix
        let kms = kms
        let reference = reference
        try await global.run { context in
            if kms != nil { throw CLIError("creating keys in a KMS is not supported yet") }
            if let first = reference.first {
                guard first.contains("://") else { throw CLIError("could not parse scheme, use <scheme>://<ref> format") }
                throw CLIError("storing key pairs in \(first.components(before: "://"))://… is not supported yet")
            }
            guard !prefix.isEmpty else { throw CLIError("--output-key-prefix must not be empty") }
            let password = try Prompts.password(confirm: true, context: context)
            let pair = try KeyFiles.keyPair(for: SigningKey.generateP256(), password: password)
            try confirmOverwrite(prefix: prefix, skip: false, context: context)
            try writeKeyPair(pair, prefix: prefix, context: context)
        }
    }
}

struct ImportKeyPair: AsyncParsableCommand {
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

    func run() async throws {
        let (keyPath, prefix, yes) = (key, outputKeyPrefix, yes)
        try await global.run { context in
            let pem = try FileSystem.readText(keyPath, limit: 1 << 20)
            let signingKey = try KeyFiles.importPrivateKey(pem: pem)
            let password = try Prompts.password(confirm: true, context: context)
            let pair = try KeyFiles.keyPair(for: signingKey, password: password)
            try confirmOverwrite(prefix: prefix, skip: yes, context: context)
            try writeKeyPair(pair, prefix: prefix, context: context)
        }
    }
}

struct PublicKeyCommand: AsyncParsableCommand {
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

    func run() async throws {
        let (key, sk, outfile) = (key, sk, outfile)
        try await global.run { context in
            if sk { throw CLIError("hardware security keys (--sk) are not supported yet") }
            guard let key else { throw CLIError("one of --key or --sk is required") }
            let signingKey = try KeyReference.signingKey(key, context: context)
            let pem = signingKey.publicKey.pemRepresentation
            if let outfile {
                try FileSystem.writeAtomically(Array(pem.utf8), to: outfile, mode: 0o644)
                context.info("Public key written to \(outfile)")
            } else {
                context.stdout.write(pem)
            }
        }
    }
}

extension String {
    func components(before separator: String) -> String {
        guard let range = firstRange(of: separator) else { return self }
        return String(self[..<range.lowerBound])
    }
}
