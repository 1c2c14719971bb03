import SigstoreCore
import SigstoreCrypto
import SigstoreJSON
import SigstoreModels
import SigstoreVerify

/// `cosign verify-blob`: a Sigstore bundle (key or keyless), cosign's legacy bundle, or a detached signature, checked
/// against a blob.
public struct BlobSignatureVerification: Sendable {
    /// The key or identity, trusted root and relaxed checks.
    public var options: VerificationOptions
    /// `--signature`: a file, or the base64 signature itself.
    public var signature: String?
    /// `--bundle`.
    public var bundle: String?
    /// `--certificate`.
    public var certificate: String?
    /// `--new-bundle-format`.
    public var newBundleFormat = true
    /// The certificate-path flags (chains, CA roots, timestamps, Rekor URL).
    public var detached = DetachedVerificationInputs()

    /// Creates a verification.
    public init(options: VerificationOptions, signature: String? = nil, bundle: String? = nil, certificate: String? = nil) {
        self.options = options
        self.signature = signature
        self.bundle = bundle
        self.certificate = certificate
    }

    /// Verifies `blob` (a path, `-`, or with a Sigstore bundle `sha256:<hex>`), printing `Verified OK`.
    ///
    /// A Sigstore bundle goes to the bundle verifier; otherwise (a detached signature, cosign's legacy bundle) a key
    /// verifies the signature alone, and a certificate (`--certificate`, or the legacy bundle's) goes through
    /// `LegacySignatureVerification` with its log entry, chain, SCT and identity checks.
    public func verify(blob: String, console: Console) async throws {
        if [options.key, certificate, bundle].allSatisfy({ $0 == nil }) {
            throw CosignError(
                .invalidInput, "provide a key with --key or --sk, a certificate to verify against with --certificate, or a bundle with --bundle")
        }
        try options.checkKeyOrIdentity()
        if options.key != nil && certificate != nil {
            throw CosignError(
                .invalidInput, "exactly one of: key reference (--key), certificate (--cert) or hardware token (--sk) must be provided")
        }
        var legacyBytes: [UInt8]?
        if let bundle {
            let bytes = try FileSystem.readFile(bundle, limit: Limits.maxDocumentBytes)
            guard !bytes.allSatisfy({ [0x20, 0x0a, 0x0d, 0x09].contains($0) }) else {
                throw CosignError(.invalidInput, "bundle \(bundle) is empty")
            }
            if newBundleFormat, BundleFormat.isSigstoreBundle(bytes) {
                if let refusal = detached.unsupportedWithBundle(certificate: certificate, signature: signature) {
                    throw CosignError(.invalidInput, refusal)
                }
                options.warnIfIgnoringLog(console)
                let publicKey = try await options.publicKey(console: console)
                let parsed = try SigstoreBundle(jsonData: bytes)
                try await options.bundleVerification(publicKey: publicKey, console: console)
                    .verify(bundle: parsed, artifact: try Artifact.parse(blob, allowDigest: true))
                console.info("Verified OK")
                return
            }
            legacyBytes = bytes
        }
        if options.trustedRootPath != nil { throw CosignError(.invalidInput, "--trusted-root only supported with --new-bundle-format") }
        options.warnIfIgnoringLog(console)
        let legacy = try legacyBytes.map { try LegacySignedPayload(jsonData: $0) }
        let publicKey = try await options.publicKey(console: console)
        if let publicKey, options.skipsTransparencyLog {
            try verifyWithKey(publicKey, legacy: legacy, blob: blob)
        } else if let publicKey {
            // A key signature with its log entry: the legacy bundle's SET, or the entry Rekor holds.
            if let text = legacy?.certText { try Self.checkEmbeddedKey(text, matches: publicKey) }
            var verification = LegacySignatureVerification(
                options: options, inputs: detached, certificate: nil, signature: signature, legacy: legacy)
            verification.publicKey = publicKey
            try await verification.verify(blob: blob, console: console)
        } else {
            let verification = LegacySignatureVerification(
                options: options, inputs: detached, certificate: certificate, signature: signature, legacy: legacy)
            try await verification.verify(blob: blob, console: console)
        }
        console.info("Verified OK")
    }

    /// A detached signature or legacy bundle checked with `--key` (the legacy bundle's SET, when present and the log
    /// is not ignored, by ``BlobVerifier``).
    private func verifyWithKey(_ publicKey: PublicKey, legacy: LegacySignedPayload?, blob: String) throws {
        let verifier = BlobVerifier(publicKey: publicKey, configuration: .init(ignoreTransparencyLog: options.skipsTransparencyLog))
        if let legacy {
            if let text = legacy.certText { try Self.checkEmbeddedKey(text, matches: publicKey) }
            let signatureBytes = try Self.decodeSignature(try signature.map { try Self.signatureText($0) } ?? Array(legacy.base64Signature.utf8))
            try verifier.verify(signature: signatureBytes, artifact: try Artifact.parse(blob, allowDigest: false))
            return
        }
        guard let signature else { throw CosignError(.invalidInput, "missing flag '--signature'") }
        try verifier.verify(signature: try Self.decodeSignature(try Self.signatureText(signature)), artifact: try Artifact.parse(blob, allowDigest: false))
    }

    /// cosign reads `--signature` as a file when one exists at that path, otherwise as the literal value.
    static func signatureText(_ value: String) throws -> [UInt8] {
        if FileSystem.exists(value) { return try FileSystem.readFile(value, limit: 1 << 20) }
        return Array(value.utf8)
    }

    /// Decodes base64 (newlines ignored, as Go's decoder does); bytes that are not base64 are a raw signature.
    static func decodeSignature(_ bytes: [UInt8]) throws -> [UInt8] {
        let stripped = bytes.filter { $0 != UInt8(ascii: "\n") && $0 != UInt8(ascii: "\r") }
        guard !stripped.isEmpty else { throw CosignError(.invalidInput, "signature is empty") }
        if let decoded = Base64.decodeStrict(String(decoding: stripped, as: UTF8.self)) {
            guard !decoded.isEmpty else { throw CosignError(.invalidInput, "signature is empty") }
            return decoded
        }
        return bytes
    }

    /// A legacy bundle carries the signer's public key (base64 PEM); it must be the key given with --key.
    static func checkEmbeddedKey(_ text: String, matches publicKey: PublicKey) throws {
        let embedded: PublicKey
        if text.contains("-----BEGIN CERTIFICATE-----") {
            // A certificate attached to the key (`--certificate` with `--key`): its key must be the one given.
            embedded = try SigningCertificate(der: try CertificateFiles.parse(text, what: "the bundle's cert")[0]).publicKey()
        } else {
            embedded = try KeyFiles.loadPublicKey(pem: text)
        }
        guard embedded.derRepresentation == publicKey.derRepresentation else {
            throw CosignError(.verificationFailed, "the public key in the bundle does not match the key given with --key")
        }
    }
}

/// Telling Sigstore bundles from cosign's legacy bundle JSON.
public enum BundleFormat {
    /// True when the JSON object has a `mediaType` member (a Sigstore bundle); false for anything else.
    public static func isSigstoreBundle(_ bytes: [UInt8]) -> Bool {
        // A structural scan of the top level only: the full parse that follows checks the document (a full decode
        // here scanned a large attestation bundle once more).
        guard let keys = JSONParser.topLevelKeys(bytes) else {
            // Not a JSON object: let the Sigstore bundle parser report it.
            return !(String(decoding: bytes.prefix(4096), as: UTF8.self).contains("base64Signature"))
        }
        return keys.contains("mediaType")
    }
}
