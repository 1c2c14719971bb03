import ArgumentParser
import Cosign
import CosignOCI

/// Flags `attest` and `attest-blob` share with signing.
struct AttestationSigningFlags: ParsableArguments {
    @OptionGroup var signer: SigningKeyFlags

    @Option(name: .customLong("predicate"), help: "path to the predicate file.")
    var predicate: String?

    @Option(name: .customLong("statement"), help: "path to the statement file.")
    var statement: String?

    @Option(name: .customLong("type"), help: "specify a predicate type (slsaprovenance|slsaprovenance02|slsaprovenance1|link|spdx|spdxjson|cyclonedx|vuln|openvex|custom) or an URI")
    var type = "custom"

    @OptionGroup var services: SigningServiceFlags

    @Option(name: .customLong("rekor-entry-type"), help: "specifies the type to be used for a rekor entry upload (dsse|intoto)")
    var rekorEntryType = "dsse"

    @Flag(name: .customLong("new-bundle-format"), inversion: .prefixedNo, help: "attach a Sigstore bundle using OCI referrers API")
    var newBundleFormat = true

    @Option(name: .customLong("bundle"), help: "write everything required to verify the attestation to a FILE")
    var bundle: String?

    /// The checks both commands make before reading anything; returns the `--key` reference (nil: keyless).
    func keyReference() throws -> String? {
        let key = try signer.keyReference()
        guard ["dsse", "intoto"].contains(rekorEntryType) else { throw CLIError("unknown value for rekor-entry-type") }
        return key
    }

    /// The predicate or statement to sign.
    var input: AttestationInput { AttestationInput(predicate: predicate, statement: statement, type: type) }
}

struct Attest: CosignSubcommand {
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
    @OptionGroup var signing: AttestationSigningFlags

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

    func execute(_ console: Console) async throws {
        var options = ImageAttester.Options()
        (options.bundle, options.newBundleFormat, options.upload) = (signing.bundle, signing.newBundleFormat, !noUpload)
        (options.replace, options.recordCreationTimestamp) = (replace, recordCreationTimestamp)
        let attester = ImageAttester(
            key: try signing.keyReference(), signing: signing.signer.signingOptions(signing.services), input: signing.input, options: options)
        let predicate = try attester.prepare(imageCount: images.count, console: console)
        try await registry.withStore(console) { store in
            try await attester.attest(images, predicate: predicate, in: store, console: console)
        }
    }
}

struct AttestBlob: CosignSubcommand {
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
    @OptionGroup var signing: AttestationSigningFlags

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

    func execute(_ console: Console) async throws {
        let key = try signing.keyReference()
        var outputs = BlobAttester.Outputs()
        (outputs.bundle, outputs.newBundleFormat, outputs.signature) = (signing.bundle, signing.newBundleFormat, outputSignature)
        (outputs.attestation, outputs.certificate, outputs.timestamp) = (outputAttestation, outputCertificate, rfc3161TimestampBundle)
        if signing.newBundleFormat {
            let legacy = [
                ("--output-signature", outputSignature), ("--output-attestation", outputAttestation),
                ("--output-certificate", outputCertificate), ("--rfc3161-timestamp", rfc3161TimestampBundle),
            ]
            for (flag, value) in legacy where value != nil {
                console.warn("\(flag) is deprecated when using --new-bundle-format and will be ignored")
            }
        }
        let attester = BlobAttester(key: key, options: signing.signer.signingOptions(signing.services), input: signing.input, hash: hash, outputs: outputs)
        try await attester.attest(blobs.first, console: console)
    }
}
