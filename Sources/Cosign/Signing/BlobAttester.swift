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
        // Signed with a key alone: a predicate embedded as written is checked and hashed while the key is decrypted.
        let streamed = keyless || SigningPlan.needsServices(key: key, options: options) ? nil : try streamPredicate(blob, console: console)
        defer { streamed?.task.cancel() }
        var sameStatement: Task<Void, any Error>?
        var payloadFromFile: StreamedPredicate?
        let signed = try await SigningPlan.withSigner(key: key, options: options, promptsForLog: false, console: console) { sign in
            let payloadType = AttestationStatement.payloadType
            if let streamed, let checked = try await streamed.task.value {
                if outputs.newBundleFormat, outputs.bundle != nil {
                    // The bundle's payload is written from the file (`writeBundle`): the statement is never in memory. The
                    // signature must cover the digest of the first pass, which a key with another hash (P-384, Ed25519)
                    // does not sign: then the statement is built after all.
                    let digest = checked.preAuthenticationDigest
                    let signed = try await sign(.dssePrehashed(payload: [], payloadType: payloadType, preAuthenticationDigest: digest))
                    if (try? signed.publicKey.verifySignature(signed.signature, digest: digest)) != nil {
                        console.info("Using payload from: \(checked.path)")
                        payloadFromFile = checked
                        return signed
                    }
                }
                let built = try streamed.statement()
                statement = built
                // Compared while the output is written; nothing is renamed into place before the comparison passes.
                sameStatement = Task.detached { try checked.requireSame(built) }
                return try await sign(.dssePrehashed(payload: built, payloadType: payloadType, preAuthenticationDigest: checked.preAuthenticationDigest))
            }
            if statement == nil { statement = try makeStatement(blob, subject: streamed?.subject, console: console) }
            return try await sign(.dsse(payload: statement ?? [], payloadType: payloadType))
        }
        if !outputs.newBundleFormat, outputs.timestamp != nil, signed.timestamps.isEmpty {
            throw CosignError(.invalidInput, "no RFC3161 timestamp found in bundle")
        }
        if let payloadFromFile, let bundle = outputs.bundle {
            try await writeBundle(signed, payloadFrom: payloadFromFile, to: bundle)
            console.info("Wrote bundle to file \(bundle)")
            return
        }
        try await write(signed, statement: statement, after: sameStatement, console: console)
    }

    /// Writes a bundle whose DSSE payload (signed without it) is the statement streamed from its predicate file.
    private func writeBundle(_ signed: SignedContent, payloadFrom predicate: StreamedPredicate, to path: String) async throws {
        let file = try AtomicFile(path, mode: 0o600)
        // The document with a mark where the payload's base64 goes: a NUL byte, which JSON text never holds raw.
        let document = signed.bundle().orderedJSON.updating(["dsseEnvelope", "payload"]) { _ in .raw("\u{0}") }.serialized()
        guard let mark = document.firstIndex(of: 0) else { throw CosignError(.invalidInput, "the signed bundle has no DSSE payload") }
        try file.write(Array(document[..<mark]) + [UInt8(ascii: "\"")])
        try await predicate.writeStatementBase64(to: file.write)
        try file.write([UInt8(ascii: "\"")] + Array(document[(mark + 1)...]))
        try file.commit()
    }

    /// Writes the outputs; `check` must pass before any of them appears.
    private func write(_ signed: SignedContent, statement: [UInt8]?, after check: Task<Void, any Error>?, console: Console) async throws {
        if outputs.newBundleFormat, let bundle = outputs.bundle {
            // Streamed: a large statement's base64 never sits whole in memory beside the statement.
            let file = try AtomicFile(bundle, mode: 0o600)
            try signed.bundle().orderedJSON.serialize(to: file.write)
            try await check?.value
            try file.commit()
            console.info("Wrote bundle to file \(bundle)")
            return
        }
        try await check?.value
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
    private func makeStatement(_ blob: String?, subject known: Subject? = nil, console: Console) throws -> [UInt8] {
        if let statementPath = input.statement {
            console.info("Using statement from: \(statementPath)")
            let bytes = try AttestationInput.read(statementPath, console: console)
            _ = try AttestationStatement.validateProvided(bytes)
            return bytes
        }
        let (predicatePath, subjectName, hex) = try known ?? subject(blob, console: console)
        console.info("Using payload from: \(predicatePath == "-" ? "standard input" : predicatePath)")
        let predicate = try AttestationInput.read(predicatePath, console: console)
        return try input.statement(
            predicate: consume predicate, path: predicatePath, subjectName: subjectName, sha256: hex, time: console.now(),
            validateType: false)
    }

    /// The predicate's path and the statement's subject: the blob's base name and SHA-256 (`--hash`, or read).
    private typealias Subject = (predicate: String, name: String, sha256: String)

    private func subject(_ blob: String?, console: Console) throws -> Subject {
        guard let blob, let predicatePath = input.predicate else {
            throw CosignError(.invalidInput, "attesting a predicate needs the blob it is about")
        }
        if let hash, !hash.isEmpty { return (predicatePath, (blob as NSString).lastPathComponent, hash) }
        let artifact = try Artifact.parse(blob, allowDigest: false)
        if case .file(let path) = artifact { console.info("Using payload from: \(path)") }
        return (predicatePath, (blob as NSString).lastPathComponent, try artifact.digest(.sha256).hex)
    }

    /// A predicate file's check and hash started on a task of its own (nil when the predicate is not a file embedded
    /// as written), and how to build its statement once the task is through.
    private struct PredicateStream {
        let subject: Subject
        let task: Task<StreamedPredicate?, any Error>
        let statement: () throws -> [UInt8]
    }

    private func streamPredicate(_ blob: String?, console: Console) throws -> PredicateStream? {
        guard input.statement == nil, let path = input.predicate, path != "-" else { return nil }
        // The blob is hashed only when the predicate's type is one embedded as written.
        guard AttestationStatement.isEmbeddedAsWritten(type: input.type) else { return nil }
        let subject = try subject(blob, console: console)
        guard let (header, what) = try AttestationStatement.embedding(
            type: input.type, subjectName: subject.name, sha256: subject.sha256, validateType: false)
        else { return nil }
        let task = Task.detached(priority: .userInitiated) {
            try StreamedPredicate.check(path: path, header: header, what: what, payloadType: AttestationStatement.payloadType)
        }
        return PredicateStream(subject: subject, task: task) {
            console.info("Using payload from: \(path)")
            var statement = try AttestationInput.read(path, console: console)
            AttestationStatement.embed(&statement, header: header)
            return statement
        }
    }
}
