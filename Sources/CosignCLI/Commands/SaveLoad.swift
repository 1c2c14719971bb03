import ArgumentParser
import Cosign
import CosignOCI
import OCIModels
import SigstoreCore

struct Save: CosignSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "save", abstract: "Save the container image and associated signatures to disk at the specified directory.",
        discussion: """
            Writes an OCI image layout: the image (or index, with every image in it), its sha256-<hex>.sig and .att
            images and its Sigstore bundle referrers, as cosign save does. Layers are streamed to disk.

              cosign save --dir <path to directory> <IMAGE>
              cosign verify --local-image --key cosign.pub --insecure-ignore-tlog <path to directory>
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var registry: RegistryOptions

    @Option(name: .customLong("dir"), help: "path to dir where the signed image should be stored on disk")
    var dir: String?

    @Argument(help: "the image") var image: String

    func execute(_ console: Console) async throws {
        guard let dir, !dir.isEmpty else { throw CLIError("required flag(s) \"dir\" not set") }
        let ref = try ImageReference.argument(image)
        try await registry.withStore(console) { store in
            do {
                try await ImageArchive(store: store).save(ref, to: OCILayout(path: dir))
            } catch let error as OCIError where error.code == .notFound {
                throw OCIError(.notFound, "image \(ref.original) not found in the registry: \(error.message)", underlying: error)
            }
        }
    }
}

struct Load: CosignSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "load", abstract: "Load a signed image on disk to a remote registry",
        discussion: """
            Pushes what cosign save wrote: the image or index to IMAGE, its signatures and attestations to their
            sha256-<hex>.sig and .att tags, and its Sigstore bundle referrers. Blobs go before the manifests that name them.

              cosign load --dir <path to directory> <IMAGE>
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var registry: RegistryOptions

    @Option(name: .customLong("dir"), help: "path to directory where the signed image is stored on disk")
    var dir: String?

    @Argument(help: "the image") var image: String

    func execute(_ console: Console) async throws {
        guard let dir, !dir.isEmpty else { throw CLIError("required flag(s) \"dir\" not set") }
        let ref = try ImageReference.argument(image)
        let layout = OCILayout(path: dir)
        _ = try layout.entries()  // a clear error before the registry is contacted
        _ = try await registry.withStore(console) { store in try await ImageArchive(store: store).load(from: layout, to: ref) }
    }
}
