import ArgumentParser
import Cosign
import SigstoreCrypto
import SigstoreModels
import SigstoreVerify
import SigstoreJSON
import SigstoreCore

struct VerifyBlob: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-blob",
        abstract: "Verify a signature on the supplied blob.",
        discussion: """
            Verify a signature on the supplied blob input using the specified key reference.

              cosign verify-blob --key cosign.pub --bundle artifact.sigstore.json --insecure-ignore-tlog <FILE>
              cosign verify-blob --key cosign.pub --signature artifact.sig --insecure-ignore-tlog <FILE>
              cosign verify-blob --key cosign.pub --bundle artifact.sigstore.json --insecure-ignore-tlog sha256:<hex>

            The blob is a path, - for standard input, or (with a Sigstore bundle) sha256:<hex>.
            """)

    @OptionGroup var global: GlobalOptions

    @Option(name: .customLong("key"), help: "path to the public key file, KMS URI or Kubernetes Secret")
    var key: String?

    @Flag(name: .customLong("sk"), help: "whether to use a hardware security key")
    var sk = false

    @Option(name: .customLong("signature"), help: "signature content or path or remote URL")
    var signature: String?

    @Option(name: .customLong("bundle"), help: "path to bundle FILE")
    var bundle: String?

    @Option(name: .customLong("certificate"), help: "path to the public certificate")
    var certificate: String?

    @OptionGroup var identity: CertificateIdentityOptions

    @OptionGroup var verification: BundleVerificationFlags

    @Flag(name: .customLong("private-infrastructure"), help: "skip transparency log verification when verifying artifacts in a privately deployed infrastructure (deprecated)")
    var privateInfrastructure = false

    @Flag(name: .customLong("new-bundle-format"), inversion: .prefixedNo, help: "expect the signature in a Sigstore bundle")
    var newBundleFormat = true

    @Argument(help: "the blob: a path, - for standard input, or sha256:<hex> with a Sigstore bundle")
    var blob: String

    func run() async throws {
        let command = self
        try await global.run { context in try await command.execute(context) }
    }

    private func execute(_ context: CommandContext) async throws {
        if [key, certificate, bundle].allSatisfy({ $0 == nil }) && !sk {
            throw CLIError(
                "provide a key with --key or --sk, a certificate to verify against with --certificate, or a bundle with --bundle")
        }
        if key != nil && (identity.certificateIdentity != nil || identity.certificateIdentityRegexp != nil) {
            throw CLIError("--key and --certificate-identity/--certificate-identity-regexp cannot be used together")
        }
        if sk { throw CLIError("hardware security keys (--sk) are not supported yet") }
        let ignoreTlog = verification.insecureIgnoreTlog || privateInfrastructure
        verification.warnIfIgnoringLog(context)
        let publicKey = try key.map { try KeyReference.publicKey($0, context: context) }

        if let bundle {
            let bytes = try FileSystem.readFile(bundle, limit: Limits.maxDocumentBytes)
            guard !bytes.allSatisfy({ [0x20, 0x0a, 0x0d, 0x09].contains($0) }) else {
                throw CLIError("bundle \(bundle) is empty")
            }
            if newBundleFormat, BundleFormat.isSigstoreBundle(bytes) {
                let parsed = try SigstoreBundle(jsonData: bytes)
                let bundleVerification = try verification.make(
                    publicKey: publicKey, identity: identity, ignoreTransparencyLog: ignoreTlog)
                try await bundleVerification.verify(bundle: parsed, artifact: try Artifact.parse(blob, allowDigest: true))
                context.info("Verified OK")
                return
            }
            guard let publicKey else {
                throw CLIError("certificate-based verification of legacy bundles is not supported yet: pass --key")
            }
            let verifier = BlobVerifier(publicKey: publicKey, configuration: .init(ignoreTransparencyLog: ignoreTlog))
            if verification.trustedRoot != nil { throw CLIError("--trusted-root only supported with --new-bundle-format") }
            let legacy = try LegacySignedPayload(jsonData: bytes)
            if let cert = legacy.cert, !cert.isEmpty {
                try checkEmbeddedKey(cert, matches: publicKey)
            }
            let signatureBytes = try Self.decodeSignature(
                Array((signature.map { try Self.signatureText($0) } ?? Array(legacy.base64Signature.utf8))))
            try verifier.verify(signature: signatureBytes, artifact: try Artifact.parse(blob, allowDigest: false))
            context.info("Verified OK")
            return
        }
        guard let signature else { throw CLIError("missing flag '--signature'") }
        if verification.trustedRoot != nil { throw CLIError("--trusted-root only supported with --new-bundle-format") }
        guard let publicKey else {
            throw CLIError("certificate-based verification of detached signatures is not supported yet: pass --key or --bundle")
        }
        let verifier = BlobVerifier(publicKey: publicKey, configuration: .init(ignoreTransparencyLog: ignoreTlog))
        let signatureBytes = try Self.decodeSignature(try Self.signatureText(signature))
        try verifier.verify(signature: signatureBytes, artifact: try Artifact.parse(blob, allowDigest: false))
        context.info("Verified OK")
    }

    /// cosign reads `--signature` as a file when one exists at that path, otherwise as the literal value.
    static func signatureText(_ value: String) throws -> [UInt8] {
        if FileSystem.exists(value) { return try FileSystem.readFile(value, limit: 1 << 20) }
        return Array(value.utf8)
    }

    /// Decodes base64 (newlines ignored, as Go's decoder does); bytes that are not base64 are a raw signature.
    static func decodeSignature(_ bytes: [UInt8]) throws -> [UInt8] {
        let stripped = bytes.filter { $0 != UInt8(ascii: "\n") && $0 != UInt8(ascii: "\r") }
        guard !stripped.isEmpty else { throw CLIError("signature is empty") }
        if let decoded = Base64.decodeStrict(String(decoding: stripped, as: UTF8.self)) {
            guard !decoded.isEmpty else { throw CLIError("signature is empty") }
            return decoded
        }
        return bytes
    }

    /// A legacy bundle carries the signer's public key (base64 PEM); it must be the key given with --key.
    private func checkEmbeddedKey(_ cert: String, matches publicKey: PublicKey) throws {
        let pemBytes = Base64.decodeStrict(cert) ?? Array(cert.utf8)
        let text = String(decoding: pemBytes, as: UTF8.self)
        guard text.contains("-----BEGIN PUBLIC KEY-----") else {
            throw CLIError("bundle carries a certificate: certificate-based verification is not supported yet")
        }
        let embedded = try KeyFiles.loadPublicKey(pem: text)
        guard embedded.derRepresentation == publicKey.derRepresentation else {
            throw CosignError(.verificationFailed, "the public key in the bundle does not match the key given with --key")
        }
    }
}

/// Telling Sigstore bundles from cosign's legacy bundle JSON.
enum BundleFormat {
    /// True when the JSON object has a `mediaType` member (a Sigstore bundle); false for anything else.
    static func isSigstoreBundle(_ bytes: [UInt8]) -> Bool {
        struct Probe: Decodable { var mediaType: String? }
        guard let probe = try? JSONCoding.decode(Probe.self, from: bytes, what: "bundle") else {
            // Not JSON at all: let the Sigstore bundle parser report it.
            return !(String(decoding: bytes.prefix(4096), as: UTF8.self).contains("base64Signature"))
        }
        return probe.mediaType != nil
    }
}
