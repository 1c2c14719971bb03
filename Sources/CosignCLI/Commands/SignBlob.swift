import ArgumentParser
import Cosign
import SigstoreCrypto
import SigstoreModels

struct SignBlob: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign-blob",
        abstract: "Sign the supplied blob, outputting the base64-encoded signature to stdout.",
        discussion: """
              cosign sign-blob --key cosign.key --tlog-upload=false --bundle artifact.sigstore.json <FILE>

              # cosign's legacy outputs: base64 signature on stdout or in a file, legacy bundle
              cosign sign-blob --key cosign.key --tlog-upload=false --new-bundle-format=false \\
                  --output-signature artifact.sig <FILE>

            The blob is a path or - for standard input. Only key-based signing without a transparency log is \
            available in this release.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var services: SigningServiceOptions

    @Option(name: .customLong("key"), help: "path to the private key file, KMS URI or Kubernetes Secret")
    var key: String?

    @Flag(name: .customLong("sk"), help: "whether to use a hardware security key")
    var sk = false

    @Option(name: .customLong("bundle"), help: "write everything required to verify the blob to a FILE")
    var bundle: String?

    @Option(name: .customLong("output-signature"), help: "write the signature to FILE")
    var outputSignature: String?

    @Option(name: .customLong("output"), help: "write the signature to FILE (deprecated: use --output-signature)")
    var output: String?

    @Option(name: .customLong("output-certificate"), help: "write the certificate to FILE")
    var outputCertificate: String?

    @Flag(name: .customLong("b64"), inversion: .prefixedNo, help: "whether to base64 encode the output")
    var b64 = true

    @Flag(name: .customLong("new-bundle-format"), inversion: .prefixedNo, help: "output bundle in new format that contains all verification material")
    var newBundleFormat = true

    @Option(name: .customLong("rekor-url"), help: "address of the transparency log")
    var rekorURL: String?

    @Option(name: .customLong("signing-algorithm"), help: "signing algorithm to use for signing/hashing (ephemeral keys only)")
    var signingAlgorithm: String = "ecdsa-sha2-256-nistp256"

    @Flag(name: [.customShort("y"), .customLong("yes")], help: "skip confirmation prompts for non-destructive operations")
    var yes = false

    @Argument(help: "the blob to sign: a path, or - for standard input")
    var blobs: [String] = []

    func validate() throws {
        guard !blobs.isEmpty else { throw ValidationError("requires at least 1 arg(s), only received 0") }
        if newBundleFormat && bundle == nil {
            throw ValidationError("must specify --bundle with --new-bundle-format")
        }
        let supported = [
            "ecdsa-sha2-256-nistp256", "ecdsa-sha2-384-nistp384", "ecdsa-sha2-512-nistp521",
            "rsa-sign-pkcs1-2048-sha256", "rsa-sign-pkcs1-3072-sha256", "rsa-sign-pkcs1-4096-sha256",
        ]
        guard supported.contains(signingAlgorithm) else {
            throw ValidationError(
                "invalid signing algorithm: \(signingAlgorithm). Supported algorithms are: \(supported.joined(separator: ", "))")
        }
    }

    func run() async throws {
        let command = self
        try await global.run { context in try await command.execute(context) }
    }

    private func execute(_ context: CommandContext) async throws {
        if sk { throw CLIError("hardware security keys (--sk) are not supported yet") }
        guard let key else {
            throw CLIError("keyless signing is not supported yet: pass --key with a cosign private key")
        }
        try services.check("signatures")
        var outputSignature = outputSignature
        if let output {
            context.warn("the '--output' flag is deprecated and will be removed in the future. Use '--output-signature'")
            outputSignature = output
        }
        if newBundleFormat {
            if outputSignature != nil {
                context.warn("--output-signature is deprecated when using --new-bundle-format and will be ignored")
            }
            if outputCertificate != nil {
                context.warn("--output-certificate is deprecated when using --new-bundle-format and will be ignored")
            }
        }
        // Decrypting the key (scrypt, about 0.2 s) runs on one core while the first file is hashed on the other;
        // SHA-256 is speculated, as most keys are P-256 or RSA. A key error is reported before a file error, as
        // cosign (which decrypts first) would.
        let encrypted = try EncryptedPrivateKey(pemEncoded: try KeyReference.pemText(key, context: context))
        let password = try Prompts.password(confirm: false, context: context)
        let decryption = Task { try encrypted.decrypt(password: password) }
        var speculated: Result<ArtifactDigest, any Error>?
        let first = try Artifact.parse(blobs[0], allowDigest: false)
        if case .file(let path) = first {
            context.info("Using payload from: \(path)")
            speculated = Result { try first.digest(.sha256) }
        }
        let signingKey = try await decryption.value
        for (index, blob) in blobs.enumerated() {
            let artifact = index == 0 ? first : try Artifact.parse(blob, allowDigest: false)
            if index > 0, case .file(let path) = artifact { context.info("Using payload from: \(path)") }
            let signature: BlobSignature
            do {
                if index == 0, let speculated, !signingKey.signsWholeMessage, signingKey.kind.defaultHashAlgorithm == .sha256 {
                    signature = try BlobSigning.sign(digest: try speculated.get(), with: signingKey)
                } else {
                    signature = try BlobSigning.sign(artifact, with: signingKey)
                }
            } catch let error as CosignError {
                throw CosignError(error.code, "signing \(blob): \(error.message)")
            }
            try emit(signature, context: context, outputSignature: outputSignature)
        }
    }

    private func emit(_ signature: BlobSignature, context: CommandContext, outputSignature: String?) throws {
        if newBundleFormat, let bundle {
            let json = BlobSigning.bundle(for: signature).jsonData()
            try FileSystem.writeAtomically(json, to: bundle, mode: 0o600)
            context.info("Wrote bundle to file \(bundle)")
            return
        }
        if let bundle {
            let json = BlobSigning.legacyPayload(for: signature).jsonData()
            try FileSystem.writeAtomically(json, to: bundle, mode: 0o600)
            context.info("Wrote bundle to file \(bundle)")
        }
        let encoded = Array(Base64.encode(signature.signature).utf8)
        if let outputSignature {
            try FileSystem.writeAtomically(b64 ? encoded : signature.signature, to: outputSignature, mode: 0o600)
            context.info("Wrote signature to file \(outputSignature)")
        } else if b64 {
            context.stdout.write(encoded + [UInt8(ascii: "\n")])
        } else {
            context.stdout.write(signature.signature)
        }
    }
}
