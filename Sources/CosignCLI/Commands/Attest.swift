import ArgumentParser
import Cosign
import CosignOCI
import Foundation
import OCIModels
import SigstoreCrypto
import SigstoreModels
import SigstoreSign
import SigstoreJSON
import SigstoreCore

/// The largest predicate accepted: its statement, base64-encoded in a bundle, must stay under the 128 MiB document
/// limit every reader applies.
let maxPredicateBytes = 90 << 20

/// Flags `attest` and `attest-blob` share with signing.
struct AttestationSigningOptions: ParsableArguments {
    @OptionGroup var signer: SigningKeyOptions

    @Option(name: .customLong("predicate"), help: "path to the predicate file.")
    var predicate: String?

    @Option(name: .customLong("statement"), help: "path to the statement file.")
    var statement: String?

    @Option(name: .customLong("type"), help: "specify a predicate type (slsaprovenance|slsaprovenance02|slsaprovenance1|link|spdx|spdxjson|cyclonedx|vuln|openvex|custom) or an URI")
    var type = "custom"

    @OptionGroup var services: SigningServiceOptions

    @Option(name: .customLong("rekor-entry-type"), help: "specifies the type to be used for a rekor entry upload (dsse|intoto)")
    var rekorEntryType = "dsse"

    @Flag(name: .customLong("new-bundle-format"), inversion: .prefixedNo, help: "attach a Sigstore bundle using OCI referrers API")
    var newBundleFormat = true

    @Option(name: .customLong("bundle"), help: "write everything required to verify the attestation to a FILE")
    var bundle: String?

    @Flag(name: [.customShort("y"), .customLong("yes")], help: "skip confirmation prompts for non-destructive operations")
    var yes = false

    /// The checks both commands make before reading anything; returns the `--key` reference (nil: keyless).
    func check() throws -> String? {
        let key = try signer.keyReference()
        guard ["dsse", "intoto"].contains(rekorEntryType) else { throw CLIError("unknown value for rekor-entry-type") }
        return key
    }

    /// Signs `statement` into a DSSE envelope: with the key alone when no service is involved, else through a
    /// session (keyless certificate, timestamps, transparency log). A key error is reported before an input error,
    /// as cosign (which loads the key first) does; keyless flows read the input first so that a bad predicate costs
    /// no certificate.
    func withSigner<T>(
        key: String?, plan: SigningSession.Plan? = nil, context: CommandContext, _ body: (@escaping ([UInt8]) async throws -> SignedContent) async throws -> T
    ) async throws -> T {
        if !SigningSession.needsServices(key: key, options: services), let key {
            let signingKey = try KeyReference.signingKey(key, context: context)
            let signer = ArtifactSigner(key: signingKey, services: SigningServices())
            return try await body { try await signer.sign(.dsse(payload: $0, payloadType: AttestationStatement.payloadType)) }
        }
        return try await SigningSession.with(key: key, options: services, yes: yes, promptsForLog: false, context: context, plan: plan) { session in
            try await body { try await session.sign(.dsse(payload: $0, payloadType: AttestationStatement.payloadType)) }
        }
    }

    /// With `--bundle` in the legacy format: cosign's `LocalSignedPayload`: base64 of the envelope JSON, base64 of the
    /// certificate or public key PEM, and the Rekor bundle when logged.
    func writeLegacyBundle(envelopeJSON: [UInt8], signed: SignedContent, context: CommandContext) throws {
        guard let bundle else { return }
        var local = signed.legacyPayload()
        local.base64Signature = Base64.encode(envelopeJSON)
        try FileSystem.writeAtomically(local.jsonData(), to: bundle, mode: 0o600)
        context.info("Wrote bundle to file \(bundle)")
    }

    /// The statement for a predicate, with the predicate file named in errors.
    static func statement(
        predicate: [UInt8], path: String, type: String, subjectName: String, sha256: String, time: Date, validateType: Bool
    ) throws -> [UInt8] {
        do {
            return try AttestationStatement.generate(
                predicate: predicate, type: type, subjectName: subjectName, sha256: sha256, time: time, validateType: validateType)
        } catch let error as CosignError where error.code == .invalidInput && !error.message.hasPrefix("invalid predicate type") {
            throw CosignError(.invalidInput, "invalid predicate \(path == "-" ? "from standard input" : path): \(error.message)")
        }
    }

    /// Reads a predicate or statement file (`-` is standard input), with the size limit.
    static func read(_ path: String, context: CommandContext) throws -> [UInt8] {
        if path == "-" {
            let bytes = context.stdin.readAll()
            guard bytes.count <= maxPredicateBytes else {
                throw CLIError("standard input is larger than the \(maxPredicateBytes)-byte predicate limit")
            }
            return bytes
        }
        return try FileSystem.readFile(path, limit: maxPredicateBytes)
    }
}

struct Attest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attest",
        abstract: "Attest the supplied container image.",
        discussion: """
              # attach an SPDX SBOM as a Sigstore bundle referrer
              cosign attest --key cosign.key --tlog-upload=false --predicate sbom.spdx.json --type spdxjson <IMAGE DIGEST>

              # cosign's legacy layout: a sha256-<hex>.att image of DSSE envelopes; --replace drops earlier attestations
              # of the same predicate type
              cosign attest --key cosign.key --tlog-upload=false --new-bundle-format=false --replace \\
                  --predicate provenance.json --type slsaprovenance1 <IMAGE DIGEST>

            Without --key, the attestation is signed keyless: an identity token gets a short-lived Fulcio \
            certificate for an ephemeral key, and the envelope is logged in the signing config's transparency log.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var signing: AttestationSigningOptions

    @Flag(name: .customLong("no-upload"), help: "do not upload the generated attestation")
    var noUpload = false

    @Flag(name: .customLong("replace"), help: "replace the existing attestations of the same predicate type (legacy .att images)")
    var replace = false

    @Flag(name: .customLong("record-creation-timestamp"), help: "set the createdAt timestamp in the attestation artifact to the time it was created; by default, cosign sets this to the zero value")
    var recordCreationTimestamp = false

    @OptionGroup var registry: RegistryOptions

    @Argument(help: "the images to attest")
    var images: [String] = []

    func validate() throws {
        guard !images.isEmpty else { throw ValidationError("requires at least 1 arg(s), only received 0") }
        if signing.predicate == nil && signing.statement == nil {
            throw ValidationError("at least one of the flags in the group [predicate statement] is required")
        }
        if signing.newBundleFormat && noUpload && signing.bundle == nil {
            throw ValidationError("must enable upload to the OCI registry or specify a local --bundle path with --new-bundle-format")
        }
    }

    func run() async throws {
        let command = self
        try await global.run { context in try await command.execute(context) }
    }

    private func execute(_ context: CommandContext) async throws {
        let keyReference = try signing.check()
        if !signing.newBundleFormat && signing.services.signingConfig != nil {
            throw CLIError("must provide --new-bundle-format or --bundle where applicable with --signing-config or --use-signing-config")
        }
        guard let predicatePath = signing.predicate else { throw CLIError("predicate cannot be empty") }
        if signing.bundle != nil && images.count > 1 && signing.newBundleFormat {
            throw CLIError("--bundle cannot be combined with several images: each image needs its own bundle")
        }
        let predicateType = try PredicateType.validatedURI(for: signing.type)
        context.info("Using payload from: \(predicatePath == "-" ? "standard input" : predicatePath)")
        let predicate = try AttestationSigningOptions.read(predicatePath, context: context)
        let plan = SigningSession.needsServices(key: keyReference, options: signing.services)
            ? try SigningSession.Plan(key: keyReference, options: signing.services, context: context) : nil
        let store = try registry.store(context: context)
        defer { store.close() }
        // Resolve every image before any signing, so an unreachable registry or unknown tag costs no certificate.
        var targets: [(String, ImageReference, Descriptor)] = []
        for image in images {
            let ref = try ImageSupport.parse(image)
            if ref.digest == nil { context.warn(ImageSupport.tagWarning(image)) }
            targets.append((image, ref, try await ImageSupport.resolve(ref, store: store)))
        }
        try await signing.withSigner(key: keyReference, plan: plan, context: context) { sign in
            for (image, ref, subject) in targets {
                let hex = String(subject.digest.drop { $0 != ":" }.dropFirst())
                let statement = try AttestationSigningOptions.statement(
                    predicate: predicate, path: predicatePath, type: signing.type, subjectName: ref.repositoryName, sha256: hex,
                    time: context.now(), validateType: true)
                let signed = try await sign(statement)
                let digestRef = ref.withDigest(subject.digest)
                do {
                    if signing.newBundleFormat {
                        try await storeBundle(signed, subject: subject, ref: digestRef, predicateType: predicateType, store: store, context: context)
                    } else {
                        try await storeLegacy(signed, subject: subject, ref: digestRef, predicateType: predicateType, store: store, context: context)
                    }
                } catch let error as any ReportableError {
                    throw error.adding(context: "signing \(image)")
                }
            }
        }
    }

    private func storeBundle(
        _ signed: SignedContent, subject: Descriptor, ref: ImageReference, predicateType: String, store: SignatureStore,
        context: CommandContext
    ) async throws {
        let bytes = signed.bundle().jsonData()
        if let bundle = signing.bundle {
            try FileSystem.writeAtomically(bytes, to: bundle, mode: 0o600)
            context.info("Wrote bundle to file \(bundle)")
        }
        guard !noUpload else { return }
        try await store.writeBundleReferrer(bytes, subject: subject, of: ref, predicateType: predicateType, created: context.now())
    }

    private func storeLegacy(
        _ signed: SignedContent, subject: Descriptor, ref: ImageReference, predicateType: String, store: SignatureStore,
        context: CommandContext
    ) async throws {
        let envelopeJSON = signed.envelope!.orderedJSON.serialized(escapeHTML: true)
        try signing.writeLegacyBundle(envelopeJSON: envelopeJSON, signed: signed, context: context)
        guard !noUpload else { return }
        let tag = try store.legacyTag(for: ref, digest: subject.digest, kind: .attestation)
        var layer = ImageSigning.legacyAttestationLayer(envelopeJSON: envelopeJSON, predicateType: predicateType)
        layer.annotations.merge(signed.legacyAnnotations) { _, new in new }
        var drop: Set<String> = []
        if replace, let existing = try await store.legacyImage(tag) {
            let replacement = try ImageAttesting.replacement(of: existing.layers, predicateType: predicateType)
            replacement.messages.forEach { context.info($0) }
            drop = replacement.drop
        }
        // Attestation layers carry an empty signature annotation, so cosign's duplicate detector never matches them:
        // every run adds a layer.
        let dropped = drop
        var replacing: (@Sendable (OCIModels.Descriptor) -> Bool)?
        if !dropped.isEmpty {
            replacing = { (descriptor: OCIModels.Descriptor) -> Bool in dropped.contains(descriptor.digest) }
        }
        // As in cosign, the creation time is recorded on the append path, not when --replace rebuilds the image.
        try await store.appendLegacy(layer, to: tag, replacing: replacing, created: recordCreationTimestamp && !replace ? context.now() : nil)
    }
}

struct AttestBlob: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attest-blob",
        abstract: "Attest the supplied blob.",
        discussion: """
              cosign attest-blob --key cosign.key --tlog-upload=false --predicate provenance.json --type slsaprovenance1 \\
                  --bundle artifact.intoto.sigstore.json <FILE>

              # sign a statement you built yourself
              cosign attest-blob --key cosign.key --tlog-upload=false --statement statement.json --bundle out.sigstore.json

              # cosign's legacy outputs: the DSSE envelope on stdout or in a file
              cosign attest-blob --key cosign.key --tlog-upload=false --new-bundle-format=false --predicate p.json \\
                  --output-signature artifact.dsse.json <FILE>

            Without --key, the attestation is signed keyless (see cosign sign-blob --help).
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var signing: AttestationSigningOptions

    @Option(name: .customLong("hash"), help: "hash of blob in hexadecimal (base16); the blob is not read when set")
    var hash: String?

    @Option(name: .customLong("output-signature"), help: "write the DSSE envelope to FILE")
    var outputSignature: String?

    @Option(name: .customLong("output-attestation"), help: "write the in-toto statement to FILE")
    var outputAttestation: String?

    @Option(name: .customLong("output-certificate"), help: "write the certificate to FILE")
    var outputCertificate: String?

    @Option(name: .customLong("rfc3161-timestamp-bundle"), help: "write the RFC 3161 timestamp to FILE")
    var rfc3161TimestampBundle: String?

    @Argument(help: "the blob to attest: a path, or - for standard input")
    var blobs: [String] = []

    func validate() throws {
        if signing.newBundleFormat && signing.bundle == nil {
            throw ValidationError("must specify --bundle with --new-bundle-format")
        }
        if signing.statement == nil && blobs.count != 1 {
            throw ValidationError("accepts 1 arg(s), received \(blobs.count)")
        }
    }

    func run() async throws {
        let command = self
        try await global.run { context in try await command.execute(context) }
    }

    private func execute(_ context: CommandContext) async throws {
        let keyReference = try signing.check()
        if (signing.predicate == nil) == (signing.statement == nil) {
            throw CLIError("one of --predicate or --statement must be set")
        }
        if signing.newBundleFormat {
            for (flag, value) in [
                ("--output-signature", outputSignature), ("--output-attestation", outputAttestation),
                ("--output-certificate", outputCertificate), ("--rfc3161-timestamp", rfc3161TimestampBundle),
            ] where value != nil {
                context.warn("\(flag) is deprecated when using --new-bundle-format and will be ignored")
            }
        }
        let keyless = keyReference == nil || signing.services.issueCertificate
        if !signing.newBundleFormat && !keyless {
            // Key-signed attestations carry no certificate; refused before anything is written.
            if outputCertificate != nil { throw CLIError("no certificate found in bundle") }
        }
        // Keyless: read the statement first, so that a bad predicate costs no certificate.
        var statement = keyless ? try makeStatement(context) : nil
        let signed: SignedContent = try await signing.withSigner(key: keyReference, context: context) { sign in
            if statement == nil { statement = try makeStatement(context) }
            return try await sign(statement!)
        }
        if !signing.newBundleFormat, rfc3161TimestampBundle != nil, signed.timestamps.isEmpty {
            throw CLIError("no RFC3161 timestamp found in bundle")
        }
        if signing.newBundleFormat, let bundle = signing.bundle {
            try FileSystem.writeAtomically(signed.bundle().jsonData(), to: bundle, mode: 0o600)
            context.info("Wrote bundle to file \(bundle)")
            return
        }
        let envelopeJSON = signed.envelope!.orderedJSON.serialized(escapeHTML: true)
        try signing.writeLegacyBundle(envelopeJSON: envelopeJSON, signed: signed, context: context)
        if let outputSignature {
            try FileSystem.writeAtomically(envelopeJSON, to: outputSignature, mode: 0o600)
            context.info("Signature written in \(outputSignature)")
        } else {
            context.stdout.write(envelopeJSON + [UInt8(ascii: "\n")])
        }
        if let outputAttestation, let statement {
            try FileSystem.writeAtomically(statement, to: outputAttestation, mode: 0o600)
            context.info("Attestation written in \(outputAttestation)")
        }
        if let outputCertificate, let pem = signed.certificatePEM {
            try FileSystem.writeAtomically(Array(pem.utf8), to: outputCertificate, mode: 0o600)
            context.info("Certificate written to file  \(outputCertificate)")
        }
        if let rfc3161TimestampBundle, let timestamp = signed.timestamps.first {
            let json = OrderedJSON.object([("SignedRFC3161Timestamp", .string(Base64.encode(timestamp)))]).serialized()
            try FileSystem.writeAtomically(json, to: rfc3161TimestampBundle, mode: 0o600)
            context.info("Timestamp wrote in the file  \(rfc3161TimestampBundle)")
        }
    }

    /// The statement to sign: the `--statement` file as given, or one built from `--predicate` and the blob.
    private func makeStatement(_ context: CommandContext) throws -> [UInt8] {
        if let statementPath = signing.statement {
            context.info("Using statement from: \(statementPath)")
            let bytes = try AttestationSigningOptions.read(statementPath, context: context)
            do {
                _ = try AttestationStatement.validateProvided(bytes)
            } catch let error as CosignError {
                throw CLIError("invalid statement: \(error.message.replacingOccurrences(of: "invalid statement: ", with: ""))")
            }
            return bytes
        } else {
            let blob = blobs[0]
            let hex: String
            if let hash, !hash.isEmpty {
                hex = hash
            } else {
                let artifact = try Artifact.parse(blob, allowDigest: false)
                if case .file(let path) = artifact { context.info("Using payload from: \(path)") }
                hex = try artifact.digest(.sha256).hex
            }
            let predicatePath = signing.predicate!
            context.info("Using payload from: \(predicatePath == "-" ? "standard input" : predicatePath)")
            let predicate = try AttestationSigningOptions.read(predicatePath, context: context)
            return try AttestationSigningOptions.statement(
                predicate: predicate, path: predicatePath, type: signing.type, subjectName: (blob as NSString).lastPathComponent,
                sha256: hex, time: context.now(), validateType: false)
        }
    }
}
