#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
public import OCIModels
import OCIRegistry
import SigstoreCore
import Cosign

extension ImageReference {
    /// Parses an image argument with cosign's error wording (`parsing reference: …`).
    public static func argument(_ text: String) throws -> ImageReference {
        do {
            return try ImageReference(parsing: text)
        } catch let error as OCIError {
            throw OCIError(.invalidReference, "parsing reference: \(error.message)", underlying: error)
        }
    }

    /// cosign's warning for an image named by tag (`ui.TagReferenceMessage`).
    public static func tagWarning(_ reference: String) -> String {
        """
        Image reference \(reference) uses a tag, not a digest, to identify the image to sign.
            This can lead you to sign a different image than the intended one. Please use a
            digest (example.com/ubuntu@sha256:abc123...) rather than tag
            (example.com/ubuntu:latest) for the input to cosign. The ability to refer to
            images by tag will be removed in a future release.

        """
    }
}

extension SignatureStore {
    /// The manifest descriptor `ref` names; a missing image is a clear error.
    public func resolveImage(_ ref: ImageReference) async throws -> Descriptor {
        do {
            return try await resolve(ref)
        } catch let error as OCIError where error.code == .notFound {
            throw OCIError(.notFound, "image \(ref.original) not found in the registry (no manifest for \(ref.identifierString))", underlying: error)
        }
    }

    /// The manifests to act on for `root`: the root alone, or with `recursive` the root and every manifest below it
    /// (nested indexes included, each once), in walk order.
    public func walk(_ root: Descriptor, in ref: ImageReference, recursive: Bool) async throws -> [Descriptor] {
        guard recursive else { return [root] }
        var result: [Descriptor] = []
        var seen: Set<String> = []
        func visit(_ d: Descriptor, depth: Int) async throws {
            guard seen.insert(d.digest).inserted else { return }
            result.append(d)
            guard MediaType.isIndex(d.mediaType), depth < 8 else { return }
            let fetched = try await client.manifest(ref.withDigest(d.digest))
            guard let index = try? JSONDecoder().decode(ImageIndex.self, from: Data(fetched.bytes)) else {
                throw OCIError(.malformedDocument, "\(ref.repositoryName)@\(d.digest) is not a valid image index")
            }
            for child in index.manifests { try await visit(child, depth: depth + 1) }
        }
        try await visit(root, depth: 0)
        return result
    }

    /// The digest of the one image of the index `top` built for `spec` (`os/arch[/variant]`), with cosign's errors.
    public func platformDigest(_ spec: String, in top: Descriptor, of ref: ImageReference) async throws -> String {
        let parts = spec.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard (2...3).contains(parts.count), !parts[0].isEmpty, !parts[1].isEmpty else {
            throw CosignError(.invalidInput, "parsing platform: invalid platform \(spec): expected os/arch[/variant]")
        }
        guard MediaType.isIndex(top.mediaType) else { throw CosignError(.invalidInput, "specified reference is not a multiarch image") }
        let index = try await self.index(ref.withDigest(top.digest))
        let matches = index.manifests.filter { entry in
            guard let p = entry.platform else { return false }
            return p.os == parts[0] && p.architecture == parts[1] && (parts.count < 3 || p.variant == parts[2])
        }
        guard let first = matches.first else { throw CosignError(.invalidInput, "unable to find an entity for \(spec)") }
        guard matches.count == 1 else { throw CosignError(.invalidInput, "platform spec matches more than one image architecture: \(spec)") }
        return first.digest
    }

    /// The index `ref` names.
    public func index(_ ref: ImageReference) async throws -> ImageIndex {
        let fetched = try await client.manifest(ref)
        guard let index = try? JSONDecoder().decode(ImageIndex.self, from: Data(fetched.bytes)) else {
            throw OCIError(.malformedDocument, "\(ref.name): the index is not valid JSON")
        }
        return index
    }

    /// The `os/arch[/variant]` of each image in the index `ref` names.
    public func platforms(of ref: ImageReference) async throws -> [String] {
        try await index(ref).manifests.compactMap { entry in
            entry.platform.map { p in [p.os, p.architecture, p.variant].compactMap { $0 }.joined(separator: "/") }
        }
    }
}
