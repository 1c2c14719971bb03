import ArgumentParser
import Cosign
import CosignOCI
import OCIModels

struct Triangulate: CosignSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "triangulate", abstract: "Outputs the located cosign image reference. This is the location where cosign stores the specified artifact type.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var registry: RegistryOptions

    @Option(name: .customLong("type"), help: "related attachment to triangulate (attestation|sbom|signature|digest)")
    var type: String = "signature"

    @Argument(help: "the image") var image: String

    func execute(_ console: Console) async throws {
        let kinds: [String: AttachmentKind?] = ["signature": .signature, "attestation": .attestation, "sbom": .sbom, "digest": nil]
        guard let kind = kinds[type] else { throw CLIError("unknown type \(type): allowed values are signature, attestation, sbom, digest") }
        let ref = try ImageReference.argument(image)
        try await registry.withStore(console) { store in console.stdout.line(try await store.triangulate(ref, kind: kind)) }
    }
}

struct Tree: CosignSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "tree", abstract: "Display supply chain security related artifacts for an image such as signatures, SBOMs and attestations")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var registry: RegistryOptions

    @OptionGroup var referrersMode: ReferrersModeOption

    @Flag(name: .customLong("experimental-oci11"), inversion: .prefixedNo, help: "set to false to ignore OCI 1.1 behavior")
    var experimentalOCI11 = true

    @Argument(help: "the image") var image: String

    func execute(_ console: Console) async throws {
        // Go cosign v3.1: referrers are listed unless --experimental-oci11=false (or with --registry-referrers-mode=oci-1-1).
        let referrers = try referrersMode.usesOCI11(console) || experimentalOCI11
        let ref = try ImageReference.argument(image)
        let lines = try await registry.withStore(console) { store in try await store.tree(ref, includeReferrers: referrers) }
        guard !lines.isEmpty else {
            console.stdout.write("No Supply Chain Security Related Artifacts found for image \(image),\n start creating one with simply running$ cosign sign <img>")
            return
        }
        console.stdout.line("📦 Supply Chain Security Related artifacts for an image: \(image)")
        for line in lines { console.stdout.line(line) }
    }
}

struct Clean: CosignSubcommand {
    static let configuration = CommandConfiguration(commandName: "clean", abstract: "Remove all signatures from an image.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var registry: RegistryOptions

    @Option(name: .customLong("type"), help: "a type of clean: <signature|attestation|sbom|referrer|all> (default: all)")
    var type: String = "all"

    @Flag(name: [.customShort("f"), .customLong("force")], help: "do not prompt for confirmation")
    var force = false

    @Argument(help: "the image") var image: String

    func execute(_ console: Console) async throws {
        guard let cleanType = SignatureStore.CleanType(rawValue: type) else {
            throw CLIError("invalid --type \(type): allowed values are signature, attestation, sbom, referrer, all")
        }
        _ = try ImageReference.argument(image)
        if !force {
            console.warn(cleanType.prompt)
            try console.confirmContinue()
        }
        try await registry.withStore(console) { store in try await store.clean(image, type: cleanType, console: console) }
    }
}

struct Copy: CosignSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "copy", abstract: "Copy the supplied container image and signatures.",
        discussion: """
              cosign copy example.com/src:latest example.com/dest:latest

            Copies the image (every manifest of an index), its legacy .sig/.att/.sbom images and its Sigstore bundle
            referrers. Unlike Go cosign, bundles stored as referrers are copied too, and no sha256-<hex> tag is written
            for the image itself (that tag name is the referrers fallback index).
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var registry: RegistryOptions

    @Option(name: .customLong("only"), help: "custom string array to only copy specific items, this flag is comma delimited. ex: --only=sig,att,sbom")
    var only: [String] = []

    @Flag(name: .customLong("sig-only"), help: "[DEPRECATED] only copy the image signature")
    var sigOnly = false

    @Flag(name: [.customShort("f"), .customLong("force")], help: "overwrite destination image(s), if necessary")
    var force = false

    @Option(name: .customLong("platform"), help: "only copy container image and its signatures for a specific platform image")
    var platform: String?

    @Argument(help: "source image") var source: String
    @Argument(help: "destination image") var destination: String

    func execute(_ console: Console) async throws {
        var parts = Set(only.flatMap { $0.split(separator: ",").map(String.init) })
        if sigOnly {
            console.stderr.write("--sig-only is deprecated, use --only=sig instead")
            parts.insert("sig")
        }
        try await registry.withStore(console) { store in
            try await store.copy(source, to: destination, only: parts, force: force, platform: platform, console: console)
        }
    }
}

struct Upload: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upload", abstract: "Provides utilities for uploading artifacts to a registry", subcommands: [UploadBlob.self])
}

struct UploadBlob: CosignSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "blob", abstract: "Upload one or more blobs to the supplied container image address.",
        discussion: """
              cosign upload blob -f foo <IMAGE>
              cosign upload blob -f foo:darwin/amd64 -f bar:linux/arm64 <IMAGE>
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var registry: RegistryOptions

    @Option(name: [.customShort("f"), .customLong("files")], help: "<filepath>:[platform/arch]")
    var files: [String] = []

    @Option(name: .customLong("ct"), help: "content type to set")
    var contentType: String?

    @Option(name: [.customShort("a"), .customLong("annotation")], help: "annotations to set")
    var annotations: [String] = []

    @Argument(help: "the image address") var image: String

    func execute(_ console: Console) async throws {
        let entries = files.flatMap { $0.split(separator: ",").map(String.init) }.map(SignatureStore.UploadFile.parse)
        let annotationMap = try ImageSigning.parseAnnotations(annotations)
        let uploaded = try await registry.withStore(console) { store in
            try await store.uploadBlobs(entries, to: image, contentType: contentType, annotations: annotationMap, console: console)
        }
        if let uploaded { console.stdout.line(uploaded) }
    }
}
