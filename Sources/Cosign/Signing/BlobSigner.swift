import SigstoreCore
import SigstoreCrypto
import SigstoreJSON
import SigstoreSign
import SigstoreModels

/// `cosign sign-blob`: signs files (or standard input) with a key, or keyless, and writes a Sigstore bundle or
/// cosign's legacy outputs. Every blob is hashed, signed, stamped, logged and checked before anything is written.
public struct BlobSigner: Sendable {
    /// Where the signatures go.
    public struct Outputs: Sendable {
        /// `--bundle`: a Sigstore bundle v0.3, or with `newBundleFormat` off cosign's legacy bundle.
        public var bundle: String?
        /// `--output-signature`: the signature (base64 unless `base64` is off); stdout when nil.
        public var signature: String?
        /// `--output-certificate`: the certificate PEM (base64 of it when `base64`).
        public var certificate: String?
        /// `--b64`.
        public var base64 = true
        /// `--new-bundle-format`.
        public var newBundleFormat = true
        /// Outputs with cosign's defaults.
        public init() {}
    }

    /// The `--key` reference; nil for keyless.
    public var key: String?
    /// The signing services and identity.
    public var options: SigningOptions
    /// Where the results go.
    public var outputs: Outputs

    /// Creates a signer.
    public init(key: String?, options: SigningOptions, outputs: Outputs) {
        self.key = key
        self.options = options
        self.outputs = outputs
    }

    /// Signs each blob (a path, or `-` for standard input) and writes its outputs.
    public func sign(_ blobs: [String], console: Console) async throws {
        if SigningPlan.needsServices(key: key, options: options) {
            try await signWithServices(blobs, console: console)
        } else if let key {
            try await signWithKey(key, blobs, console: console)
        }
    }

    /// The key alone: decrypting the key (scrypt, about 0.2 s) runs on one core while the first file is hashed on the
    /// other; SHA-256 is speculated, as most keys are P-256 or RSA. A key error is reported before a file error, as
    /// cosign (which decrypts first) would.
    private func signWithKey(_ key: String, _ blobs: [String], console: Console) async throws {
        let decryption = try KeyReference.signingKeyTask(key, console: console)
        var speculated: Result<ArtifactDigest, any Error>?
        let first = try Artifact.parse(blobs[0], allowDigest: false)
        if case .file(let path) = first {
            console.info("Using payload from: \(path)")
            speculated = Result { try first.digest(.sha256) }
        }
        let signingKey = try await decryption.value
        let attached = try AttachedCertificate.chain(options, for: signingKey.publicKey)
        for (index, blob) in blobs.enumerated() {
            let artifact = index == 0 ? first : try Artifact.parse(blob, allowDigest: false)
            if index > 0, case .file(let path) = artifact { console.info("Using payload from: \(path)") }
            var signed: SignedContent
            do {
                if index == 0, let speculated, !signingKey.signsWholeMessage, signingKey.kind.defaultHashAlgorithm == .sha256 {
                    signed = try await BlobSigning.sign(digest: try speculated.get(), with: signingKey)
                } else {
                    signed = try await BlobSigning.sign(artifact, with: signingKey)
                }
            } catch let error as any ReportableError {
                throw error.adding(context: "signing \(blob)")
            }
            signed.certificateChain = attached
            try write(signed, console: console)
        }
    }

    private func signWithServices(_ blobs: [String], console: Console) async throws {
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
        let plan = try await SigningPlan(key: key, options: options, console: console)
        try await SigningSession.with(plan, promptsForLog: true, console: console) { session in
            let key = session.signer.key
            for (blob, artifact) in zip(blobs, artifacts) {
                if case .file(let path) = artifact { console.info("Using payload from: \(path)") }
                let content: SigningContent
                do {
                    // An Ed25519 key signs the bytes themselves (Ed25519ph when logged); the others a streamed digest.
                    content = key.signsWholeMessage ? .message(Array(try artifact.contents())) : .digest(try artifact.digest(key.kind.defaultHashAlgorithm))
                } catch let error as any ReportableError {
                    throw error.adding(context: "signing \(blob)")
                }
                try write(try await session.sign(content), console: console)
            }
        }
    }

    /// Writes one signature's outputs, as cosign does: the bundle alone in the new format, otherwise the legacy bundle,
    /// certificate and signature (stdout without `--output-signature`).
    func write(_ signed: SignedContent, console: Console) throws {
        if outputs.newBundleFormat, let bundle = outputs.bundle {
            try FileSystem.writeAtomically(signed.bundle().jsonData(), to: bundle, mode: 0o600)
            console.info("Wrote bundle to file \(bundle)")
            return
        }
        if let bundle = outputs.bundle {
            try FileSystem.writeAtomically(signed.legacyPayload().jsonData(), to: bundle, mode: 0o600)
            console.info("Wrote bundle to file \(bundle)")
        }
        if let path = outputs.certificate, let pem = signed.certificatePEM {
            let bytes = Array(pem.utf8)
            try FileSystem.writeAtomically(outputs.base64 ? Array(Base64.encode(bytes).utf8) : bytes, to: path, mode: 0o600)
            console.info("Wrote certificate to file \(path)")
        }
        let encoded = Array(Base64.encode(signed.signature).utf8)
        if let path = outputs.signature {
            try FileSystem.writeAtomically(outputs.base64 ? encoded : signed.signature, to: path, mode: 0o600)
            console.info("Wrote signature to file \(path)")
        } else if outputs.base64 {
            console.stdout.write(encoded + [UInt8(ascii: "\n")])
        } else {
            console.stdout.write(signed.signature)
        }
    }
}
