import Cosign
import CosignOCI
import Foundation
import OCIModels
import OCIRegistry
import SigstoreCore

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

    /// The digest of the one image of the index `top` built for `spec` (`os/arch[/variant]`), with cosign's errors.
    static func platformDigest(_ spec: String, in top: Descriptor, of ref: ImageReference, store: SignatureStore) async throws -> String {
        let parts = spec.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard (2...3).contains(parts.count), !parts[0].isEmpty, !parts[1].isEmpty else {
            throw CLIError("parsing platform: invalid platform \(spec): expected os/arch[/variant]")
        }
        guard MediaType.isIndex(top.mediaType) else { throw CLIError("specified reference is not a multiarch image") }
        let index = try await self.index(ref.withDigest(top.digest), store: store)
        let matches = index.manifests.filter { entry in
            guard let p = entry.platform else { return false }
            return p.os == parts[0] && p.architecture == parts[1] && (parts.count < 3 || p.variant == parts[2])
        }
        guard let first = matches.first else { throw CLIError("unable to find an entity for \(spec)") }
        guard matches.count == 1 else { throw CLIError("platform spec matches more than one image architecture: \(spec)") }
        return first.digest
    }

    /// The index `ref` names.
    static func index(_ ref: ImageReference, store: SignatureStore) async throws -> ImageIndex {
        let fetched = try await store.client.manifest(ref)
        guard let index = try? JSONDecoder().decode(ImageIndex.self, from: Data(fetched.bytes)) else {
            throw CLIError("\(ref.name): the index is not valid JSON")
        }
        return index
    }
}
