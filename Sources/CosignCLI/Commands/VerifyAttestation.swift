import ArgumentParser
import Cosign
import CosignOCI
import Foundation
import OCIModels
import OCIRegistry
import SigstoreCrypto
import SigstoreModels
import SigstoreVerify
import SigstoreJSON
import SigstoreCore

struct VerifyAttestation: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-attestation",
        abstract: "Verify an attestation on the supplied container image",
        discussion: """
            Verify the attestations of an image and print each one of the requested predicate type (its DSSE
            envelope, one JSON document per line).

              cosign verify-attestation --key cosign.pub --insecure-ignore-tlog --type spdxjson <IMAGE>

              # keyless, with a trusted root
              cosign verify-attestation --trusted-root trusted_root.json --certificate-identity user@example.com \\
                  --certificate-oidc-issuer https://issuer.example --type slsaprovenance1 <IMAGE>

            Sigstore bundle referrers are verified when there are any, else the legacy sha256-<hex>.att image.
            """)

    @OptionGroup var global: GlobalOptions

    @OptionGroup var options: ImageVerificationOptions

    @Option(name: .customLong("type"), help: "specify a predicate type (slsaprovenance|slsaprovenance02|slsaprovenance1|link|spdx|spdxjson|cyclonedx|vuln|openvex|custom) or an URI")
    var predicateType = "custom"

    @Option(name: .customLong("policy"), help: "specify CUE or Rego files with policies to be used for validation")
    var policies: [String] = []

    @Argument(help: "the images to verify")
    var images: [String] = []

    func validate() throws {
        guard !images.isEmpty else { throw ValidationError("requires at least 1 arg(s), only received 0") }
        guard options.maxWorkers > 0 else { throw ValidationError("please set the --max-worker flag to a value that is greater than 0") }
    }

    func run() async throws {
        let command = self
        try await global.run { context in try await command.execute(context) }
    }

    private func execute(_ context: CommandContext) async throws {
        if !policies.isEmpty {
            for policy in policies where !policy.hasSuffix(".rego") && !policy.hasSuffix(".cue") {
                throw CLIError("invalid policy format, expected .cue or .rego")
            }
            throw CLIError("--policy (CUE and Rego policies) is not supported yet")
        }
        guard !predicateType.isEmpty else { throw CLIError("missing predicate type") }
        let setup = try options.setup(context, verifying: "attestation")
        defer { setup.store.close() }
        for image in images {
            let outcome: ImageVerifier.AttestationOutcome
            let name: String
            if options.localImage {
                // A directory written by `cosign save`.
                let local = try ImageVerificationOptions.localImage(image)
                if local.bundles.isEmpty, try local.layout.entry(.attestations) == nil { throw CLIError("no attestations provided") }
                outcome = try await setup.verifier.verifyAttestations(
                    bundles: local.bundles, digest: local.bundleDigest, legacyDigest: local.legacyDigest,
                    legacyLayers: { try local.layout.legacyLayers(.attestations) })
                name = image
            } else {
                let ref = try ImageSupport.parse(image)
                let subject: Descriptor
                do {
                    subject = try await ImageVerificationOptions.subject(ref, store: setup.store)
                } catch let e as ImageVerificationError {
                    throw CLIError(e.message)  // verify-attestation exits 1 whatever the error
                }
                outcome = try await setup.verifier.verifyAttestations(ref, subject: subject)
                name = ref.name
            }
            let matches = try outcome.matching(type: predicateType)
            options.printHeader(name, fromBundles: outcome.fromBundles, keyBased: setup.publicKey != nil, annotations: false, context: context)
            for attestation in matches {
                if let result = attestation.result, result.certificate != nil {
                    context.info("Certificate subject: \(result.subjectAlternativeName ?? "")")
                    if let issuer = result.issuer, !issuer.isEmpty { context.info("Certificate issuer URL: \(issuer)") }
                }
                context.stdout.write(attestation.output + [UInt8(ascii: "\n")])
            }
        }
    }
}

struct DownloadAttestation: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attestation", abstract: "Download in-toto attestations from the supplied container image",
        discussion: """
            Prints one JSON document per line: each Sigstore bundle stored as a referrer, then each DSSE envelope of the
            legacy sha256-<hex>.att image.

              cosign download attestation --predicate-type slsaprovenance1 <IMAGE>
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var registry: RegistryOptions

    @Option(name: .customLong("predicate-type"), help: "download attestation with matching predicateType")
    var predicateType: String?

    @Option(name: .customLong("platform"), help: "download attestation for a specific platform image (os/arch[/variant])")
    var platform: String?

    @Argument(help: "the image") var image: String

    func run() async throws {
        let command = self
        try await global.run { context in try await command.execute(context) }
    }

    private func execute(_ context: CommandContext) async throws {
        let uri = try (predicateType?.isEmpty == false ? predicateType : nil).map { try PredicateType.validatedURI(for: $0) }
        let ref = try ImageSupport.parse(image)
        let store = try registry.store(context: context)
        defer { store.close() }
        let top = try await ImageSupport.resolve(ref, store: store)
        // Bundles are listed for the reference given; legacy attestations for the platform's image (as cosign does).
        var digest = top.digest
        if let platform { digest = try await ImageSupport.platformDigest(platform, in: top, of: ref, store: store) }
        var printed = 0
        for stored in try await store.bundles(of: top.digest, image: ref) {
            if let uri {
                guard case .dsseEnvelope(let envelope) = stored.bundle.content, envelope.payloadType == CosignMediaType.inToto,
                    InTotoStatement(payload: envelope.payload.bytes)?.predicateType == uri
                else { continue }
            }
            context.stdout.write(stored.bundle.jsonData() + [UInt8(ascii: "\n")])
            printed += 1
        }
        let layers = try await store.legacyImage(try store.legacyTag(for: ref, digest: digest, kind: .attestation))?.layers ?? []
        guard layers.count <= 100 else { throw CLIError("maximum number of attestations on an image is 100, found \(layers.count)") }
        for layer in layers {
            let envelope: DSSEEnvelope
            do {
                envelope = try JSONCoding.decode(DSSEEnvelope.self, from: layer.payload, what: "attestation")
            } catch let error as any ReportableError {
                throw CLIError("unmarshaling payload: \(error.message)")
            }
            if let uri {
                guard let statement = InTotoStatement(payload: envelope.payload.bytes) else {
                    throw CLIError("unmarshaling statement: layer \(layer.digest) holds no in-toto statement")
                }
                guard statement.predicateType == uri else { continue }
            }
            context.stdout.write(DSSESigning.legacyJSON(envelope) + [UInt8(ascii: "\n")])
            printed += 1
        }
        if let uri, printed == 0 { throw CLIError("no attestations with predicate type '\(uri)' found") }
    }
}

struct AttachAttestation: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attestation", abstract: "Attach attestation to the supplied container image",
        discussion: """
              cosign attach attestation --attestation attestation.dsse.json <IMAGE>
              cosign attach attestation --attestation attestation.sigstore.json <IMAGE>   # a Sigstore bundle becomes a referrer

            A file holding DSSE envelopes (one or more JSON documents) is appended to the legacy sha256-<hex>.att image.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var registry: RegistryOptions

    @Option(name: .customLong("attestation"), help: "path to the attestation envelope")
    var attestations: [String] = []

    @Argument(help: "the image") var images: [String] = []

    func validate() throws {
        guard !images.isEmpty else { throw ValidationError("requires at least 1 arg(s), only received 0") }
    }

    func run() async throws {
        let command = self
        try await global.run { context in try await command.execute(context) }
    }

    private enum Attachment {
        case bundle([UInt8], predicateType: String)
        case envelopes([[UInt8]])
    }

    private func execute(_ context: CommandContext) async throws {
        let ref = try ImageSupport.parse(images[0])
        // Every file is read and checked before the registry is contacted.
        var attachments: [(String, Attachment)] = []
        for path in attestations {
            context.info("Using payload from: \(path)")
            let bytes = try FileSystem.readFile(path, limit: Limits.maxDocumentBytes)
            do {
                attachments.append((path, try Self.classify(bytes)))
            } catch let error as CLIError {
                throw CLIError("attaching payload from \(path): \(error.message)")
            }
        }
        if ref.digest == nil { context.warn(ImageSupport.tagWarning(images[0])) }
        let store = try registry.store(context: context)
        defer { store.close() }
        let subject = try await ImageSupport.resolve(ref, store: store)
        let digestRef = ref.withDigest(subject.digest)
        for (_, attachment) in attachments {
            switch attachment {
            case .bundle(let bytes, let predicateType):
                try await store.writeBundleReferrer(bytes, subject: subject, of: digestRef, predicateType: predicateType, created: context.now())
            case .envelopes(let envelopes):
                let tag = try store.legacyTag(for: ref, digest: subject.digest, kind: .attestation)
                for envelope in envelopes {
                    try await store.appendLegacy(ImageSigning.legacyAttestationLayer(envelopeJSON: envelope, predicateType: nil), to: tag)
                }
            }
        }
    }

    /// A Sigstore bundle with a DSSE envelope over an in-toto statement, else a stream of DSSE envelopes.
    private static func classify(_ bytes: [UInt8]) throws -> Attachment {
        if BundleFormat.isSigstoreBundle(bytes), let bundle = try? SigstoreBundle(jsonData: bytes) {
            guard case .dsseEnvelope(let envelope) = bundle.content else { throw CLIError("bundle does not have DSSE envelope") }
            guard envelope.payloadType == CosignMediaType.inToto else {
                throw CLIError("validation error: unsupported media type")
            }
            guard let statement = InTotoStatement(payload: envelope.payload.bytes) else {
                throw CLIError("validation error: invalid attestation: decoding json")
            }
            return .bundle(bytes, predicateType: statement.predicateType ?? "")
        }
        var envelopes: [[UInt8]] = []
        for document in try splitJSONStream(bytes) {
            let envelope: DSSEEnvelope
            do {
                envelope = try JSONCoding.decode(DSSEEnvelope.self, from: document, what: "DSSE envelope")
            } catch let error as any ReportableError {
                throw CLIError(error.message)
            }
            guard envelope.payloadType == CosignMediaType.inToto else {
                throw CLIError("invalid payloadType \(envelope.payloadType) on envelope. Expected \(CosignMediaType.inToto)")
            }
            guard !envelope.signatures.isEmpty else { throw CLIError("could not attach attestation without having signatures") }
            envelopes.append(DSSESigning.legacyJSON(envelope))
        }
        guard !envelopes.isEmpty else { throw CLIError("no DSSE envelope found") }
        return .envelopes(envelopes)
    }

    /// Splits concatenated JSON documents (Go's `json.Decoder` stream), each validated.
    private static func splitJSONStream(_ bytes: [UInt8]) throws -> [[UInt8]] {
        var documents: [[UInt8]] = []
        var start: Int?
        var depth = 0
        var inString = false
        var escaped = false
        for (i, byte) in bytes.enumerated() {
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                if depth == 0 { start = i }
                depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                if depth == 0, let s = start {
                    documents.append(Array(bytes[s...i]))
                    start = nil
                }
                if depth < 0 { throw CLIError("invalid JSON: unexpected '\(Character(UnicodeScalar(byte)))'") }
            case 0x20, 0x09, 0x0A, 0x0D: continue
            default:
                if depth == 0 { throw CLIError("invalid JSON: expected a DSSE envelope object") }
            }
        }
        if depth != 0 || inString { throw CLIError("invalid JSON: unexpected end of input") }
        for document in documents {
            do { try JSONParser.validate(document) } catch { throw CLIError(error.message) }
        }
        return documents
    }
}
