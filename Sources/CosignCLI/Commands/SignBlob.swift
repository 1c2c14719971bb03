import ArgumentParser
import Cosign
import SigstoreCrypto
import SigstoreModels
import SigstoreSign
import SigstoreJSON
import SigstoreCore

struct SignBlob: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign-blob",
        abstract: "Sign the supplied blob, outputting the base64-encoded signature to stdout.",
        discussion: """
              # keyless, against a signing config and trusted root (e.g. those sigstore-local writes)
              cosign sign-blob --signing-config signing_config.json --trusted-root trusted_root.json \\
                  --identity-token "$TOKEN" --bundle artifact.sigstore.json <FILE>

              # with a key, logged in the transparency log of a signing config
              cosign sign-blob --key cosign.key --signing-config signing_config.json --bundle artifact.sigstore.json <FILE>

              # with a key and no transparency log
              cosign sign-blob --key cosign.key --tlog-upload=false --bundle artifact.sigstore.json <FILE>

              # cosign's legacy outputs: base64 signature on stdout or in a file, legacy bundle
              cosign sign-blob --key cosign.key --tlog-upload=false --new-bundle-format=false \\
                  --output-signature artifact.sig <FILE>

            The blob is a path or - for standard input. Without --key, the signature is keyless: an identity token \
            (--identity-token, SIGSTORE_ID_TOKEN, GitHub Actions, or a browser or device login) gets a short-lived \
            Fulcio certificate for an ephemeral key.
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

    @Flag(name: [.customShort("y"), .customLong("yes")], help: "skip confirmation prompts for non-destructive operations")
    var yes = false

    @Argument(help: "the blob to sign: a path, or - for standard input")
    var blobs: [String] = []

    func validate() throws {
        guard !blobs.isEmpty else { throw ValidationError("requires at least 1 arg(s), only received 0") }
        if newBundleFormat && bundle == nil {
            throw ValidationError("must specify --bundle with --new-bundle-format")
        }
    }

    func run() async throws {
        let command = self
        try await global.run { context in try await command.execute(context) }
    }

    private func execute(_ context: CommandContext) async throws {
        if sk { throw CLIError("hardware security keys (--sk) are not supported yet") }
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
        if SigningSession.needsServices(key: key, options: services) {
            try await signWithServices(context, outputSignature: outputSignature)
            return
        }
        guard let key else { return }
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
            } catch let error as any ReportableError {
                throw error.adding(context: "signing \(blob)")
            }
            let signed = SignedContent(signature: signature.signature, digest: signature.digest, publicKey: signature.publicKey)
            try emit(signed, context: context, outputSignature: outputSignature)
        }
    }

    /// Keyless signing, or key-based signing that is logged or timestamped: every blob is hashed, signed, stamped,
    /// logged and checked before anything is written.
    private func signWithServices(_ context: CommandContext, outputSignature: String?) async throws {
        let artifacts = try blobs.map { try Artifact.parse($0, allowDigest: false) }
        // A missing or unreadable file is reported before a token or a certificate is asked for.
        for (blob, artifact) in zip(blobs, artifacts) {
            guard case .file(let path) = artifact else { continue }
            do {
                try FileSystem.checkReadableFile(path)
            } catch let error as any ReportableError {
                throw error.adding(context: "signing \(blob)")
            }
        }
        try await SigningSession.with(key: key, options: services, yes: yes, promptsForLog: true, context: context) { session in
            let hash = session.signer.key.kind.defaultHashAlgorithm
            for (blob, artifact) in zip(blobs, artifacts) {
                if case .file(let path) = artifact { context.info("Using payload from: \(path)") }
                let digest: ArtifactDigest
                do {
                    digest = try artifact.digest(hash)
                } catch let error as any ReportableError {
                    throw error.adding(context: "signing \(blob)")
                }
                let signed = try await session.sign(.digest(digest))
                try emit(signed, context: context, outputSignature: outputSignature)
            }
        }
    }

    private func emit(_ signed: SignedContent, context: CommandContext, outputSignature: String?) throws {
        if newBundleFormat, let bundle {
            try FileSystem.writeAtomically(signed.bundle().jsonData(), to: bundle, mode: 0o600)
            context.info("Wrote bundle to file \(bundle)")
            return
        }
        if let bundle {
            try FileSystem.writeAtomically(signed.legacyPayload().jsonData(), to: bundle, mode: 0o600)
            context.info("Wrote bundle to file \(bundle)")
        }
        if let outputCertificate, let pem = signed.certificatePEM {
            let bytes = Array(pem.utf8)
            try FileSystem.writeAtomically(b64 ? Array(Base64.encode(bytes).utf8) : bytes, to: outputCertificate, mode: 0o600)
            context.info("Wrote certificate to file \(outputCertificate)")
        }
        let encoded = Array(Base64.encode(signed.signature).utf8)
        if let outputSignature {
            try FileSystem.writeAtomically(b64 ? encoded : signed.signature, to: outputSignature, mode: 0o600)
            context.info("Wrote signature to file \(outputSignature)")
        } else if b64 {
            context.stdout.write(encoded + [UInt8(ascii: "\n")])
        } else {
            context.stdout.write(signed.signature)
        }
    }
}
