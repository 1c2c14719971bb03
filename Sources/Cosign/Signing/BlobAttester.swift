import Foundation
import SigstoreCore
import SigstoreCrypto
import SigstoreJSON
import SigstoreSign
import SigstoreModels

/// `cosign attest-blob`: signs an in-toto statement about a blob (built from a predicate, or given whole) into a DSSE
/// bundle, or cosign's legacy envelope outputs.
public struct BlobAttester: Sendable {
    /// Where the attestation goes.
    public struct Outputs: Sendable {
        /// `--bundle`.
        public var bundle: String?
        /// `--new-bundle-format`.
        public var newBundleFormat = true
        /// `--output-signature`: the DSSE envelope (stdout when nil, in the legacy format).
        public var signature: String?
        /// `--output-attestation`: the statement.
        public var attestation: String?
        /// `--output-certificate`.
        public var certificate: String?
        /// `--rfc3161-timestamp-bundle`.
        public var timestamp: String?
        /// Outputs with cosign's defaults.
        public init() {}
    }

    /// The `--key` reference; nil for keyless.
    public var key: String?
    /// The signing services and identity.
    public var options: SigningOptions
    /// The predicate or statement.
    public var input: AttestationInput
    /// `--hash`: the blob's SHA-256 in hex; the blob is not read when set.
    public var hash: String?
    /// Where the results go.
    public var outputs: Outputs

    /// Creates an attester.
    public init(key: String?, options: SigningOptions, input: AttestationInput, hash: String?, outputs: Outputs) {
        self.key = key
        self.options = options
        self.input = input
        self.hash = hash
        self.outputs = outputs
    }

    /// Attests `blob` (ignored with `--statement`).
    public func attest(_ blob: String?, console: Console) async throws {
        if (input.predicate == nil) == (input.statement == nil) {
            throw CosignError(.invalidInput, "one of --predicate or --statement must be set")
        }
        let keyless = key == nil || options.issueCertificate
        if !outputs.newBundleFormat && !keyless && outputs.certificate != nil {
            // Key-signed attestations carry no certificate; refused before anything is written.
            throw CosignError(.invalidInput, "no certificate found in bundle")
        }
        // Keyless: read the statement first, so that a bad predicate costs no certificate.
        var statement = keyless ? try makeStatement(blob, console: console) : nil
        let signed = try await SigningPlan.withSigner(key: key, options: options, promptsForLog: false, console: console) { sign in
            if statement == nil { statement = try makeStatement(blob, console: console) }
            return try await sign(.dsse(payload: statement ?? [], payloadType: AttestationStatement.payloadType))
        }
        if !outputs.newBundleFormat, outputs.timestamp != nil, signed.timestamps.isEmpty {
            throw CosignError(.invalidInput, "no RFC3161 timestamp found in bundle")
        }
        try write(signed, statement: statement, console: console)
    }

    private func write(_ signed: SignedContent, statement: [UInt8]?, console: Console) throws {
        if outputs.newBundleFormat, let bundle = outputs.bundle {
            // Streamed: a large statement's base64 never sits whole in memory beside the statement.
            try FileSystem.writeAtomically(to: bundle, mode: 0o600) { write in try signed.bundle().orderedJSON.serialize(to: write) }
            console.info("Wrote bundle to file \(bundle)")
            return
        }
        guard let envelope = signed.envelope else { throw CosignError(.invalidInput, "the signer returned no DSSE envelope") }
        let envelopeJSON = envelope.orderedJSON.serialized(escapeHTML: true)
        try AttestationInput.writeLegacyBundle(outputs.bundle, envelopeJSON: envelopeJSON, signed: signed, console: console)
        if let path = outputs.signature {
            try FileSystem.writeAtomically(envelopeJSON, to: path, mode: 0o600)
            console.info("Signature written in \(path)")
        } else {
            console.stdout.write(envelopeJSON + [UInt8(ascii: "\n")])
        }
        if let path = outputs.attestation, let statement {
            try FileSystem.writeAtomically(statement, to: path, mode: 0o600)
            console.info("Attestation written in \(path)")
        }
        if let path = outputs.certificate, let pem = signed.certificatePEM {
            try FileSystem.writeAtomically(Array(pem.utf8), to: path, mode: 0o600)
            console.info("Certificate written to file  \(path)")
        }
        if let path = outputs.timestamp, let json = signed.legacyTimestampJSON {
            try FileSystem.writeAtomically(json, to: path, mode: 0o600)
            console.info("Timestamp wrote in the file  \(path)")
        }
    }

    /// The statement to sign: the `--statement` file as given, or one built from `--predicate` and the blob.
    private func makeStatement(_ blob: String?, console: Console) throws -> [UInt8] {
        if let statementPath = input.statement {
            console.info("Using statement from: \(statementPath)")
            let bytes = try AttestationInput.read(statementPath, console: console)
            _ = try AttestationStatement.validateProvided(bytes)
            return bytes
        }
        guard let blob, let predicatePath = input.predicate else {
            throw CosignError(.invalidInput, "attesting a predicate needs the blob it is about")
        }
        let hex: String
        if let hash, !hash.isEmpty {
            hex = hash
        } else {
            let artifact = try Artifact.parse(blob, allowDigest: false)
            if case .file(let path) = artifact { console.info("Using payload from: \(path)") }
            hex = try artifact.digest(.sha256).hex
        }
        console.info("Using payload from: \(predicatePath == "-" ? "standard input" : predicatePath)")
        let predicate = try AttestationInput.read(predicatePath, console: console)
        return try input.statement(
            predicate: consume predicate, path: predicatePath, subjectName: (blob as NSString).lastPathComponent, sha256: hex,
            time: console.now(), validateType: false)
    }
}
