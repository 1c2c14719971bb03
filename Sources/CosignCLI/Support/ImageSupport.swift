import Cosign
import CosignOCI
import Foundation
import OCIModels
import OCIRegistry

/// What image commands share: parsing references, resolving them, walking indexes.
enum ImageSupport {
    /// cosign's warning for an image named by tag (`ui.TagReferenceMessage`).
    static func tagWarning(_ reference: String) -> String {
        """
        Image reference \(reference) uses a tag, not a digest, to identify the image to sign.
            This can lead you to sign a different image than the intended one. Please use a
            digest (example.com/ubuntu@sha256:abc123...) rather than tag
            (example.com/ubuntu:latest) for the input to cosign. The ability to refer to
            images by tag will be removed in a future release.

        """
    }

    /// Parses an image reference with cosign's error wording.
    static func parse(_ text: String) throws -> ImageReference {
        do {
            return try ImageReference(parsing: text)
        } catch let e as OCIError {
            throw CLIError("parsing reference: \(e.message)")
        }
    }

    /// The manifest descriptor `ref` names; a missing image is a clear error.
    static func resolve(_ ref: ImageReference, store: SignatureStore) async throws -> Descriptor {
        do {
            return try await store.resolve(ref)
        } catch let e as OCIError where e.code == .notFound {
            throw CLIError("image \(ref.original) not found in the registry (no manifest for \(ref.identifierString))")
        }
    }

    /// The digests to sign for `root`: the root alone, or with `recursive` the root and every manifest below it
    /// (nested indexes included), in walk order.
    static func walk(_ root: Descriptor, in ref: ImageReference, recursive: Bool, client: RegistryClient) async throws -> [Descriptor] {
        guard recursive else { return [root] }
        var result: [Descriptor] = []
        var seen: Set<String> = []
        func visit(_ d: Descriptor, depth: Int) async throws {
            guard seen.insert(d.digest).inserted else { return }
            result.append(d)
            guard MediaType.isIndex(d.mediaType), depth < 8 else { return }
            let fetched = try await client.manifest(ref.withDigest(d.digest))
            guard let index = try? JSONDecoder().decode(ImageIndex.self, from: Data(fetched.bytes)) else {
                throw CLIError("\(ref.repositoryName)@\(d.digest) is not a valid image index")
            }
            for child in index.manifests { try await visit(child, depth: depth + 1) }
        }
        try await visit(root, depth: 0)
        return result
    }
}
