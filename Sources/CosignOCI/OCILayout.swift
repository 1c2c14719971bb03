internal import Foundation
internal import Cosign
public import OCIModels
public import SigstoreModels
import SigstoreJSON
import SigstoreCore

/// An OCI image layout on disk as `cosign save` writes it (go-containerregistry's `layout` package): `oci-layout`,
/// `index.json` with one entry per saved thing, annotated with cosign's `kind`, and every blob under
/// `blobs/sha256/<hex>`.
public struct OCILayout: Sendable {
    /// cosign's `kind` annotation values on `index.json` entries.
    public enum Kind: String, Sendable, CaseIterable {
        case image = "dev.cosignproject.cosign/image"
        case imageIndex = "dev.cosignproject.cosign/imageIndex"
        case signatures = "dev.cosignproject.cosign/sigs"
        case attestations = "dev.cosignproject.cosign/atts"
    }

    /// The annotation key of ``Kind``.
    public static let kindAnnotation = "kind"

    /// The layout's directory.
    public let path: String

    /// A layout at `path` (nothing is read or written yet).
    public init(path: String) { self.path = path }

    private var blobDirectory: String { path + "/blobs/sha256" }

    /// Creates the directory (keeping blobs already there), writes `oci-layout` and, when there is none yet, an empty
    /// `index.json`: an existing index is replaced only by a save that completes, so a failed save into an earlier
    /// layout leaves that layout as it was.
    public func prepare() throws {
        do {
            try FileManager.default.createDirectory(atPath: blobDirectory, withIntermediateDirectories: true)
        } catch {
            throw OCIError(.registry, "creating \(path): \(error.localizedDescription)")
        }
        try FileSystem.writeAtomically(Array("{\n    \"imageLayoutVersion\": \"1.0.0\"\n}".utf8), to: path + "/oci-layout", mode: 0o644)
        if !FileSystem.exists(path + "/index.json") { try writeIndex([]) }
    }

    /// The file of a blob; refuses anything but `sha256:<64 hex>` (a digest from a document must not name a path).
    public func blobPath(_ digest: String) throws -> String {
        let hex = digest.hasPrefix("sha256:") ? String(digest.dropFirst(7)) : ""
        guard hex.count == 64, hex.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) else {
            throw OCIError(.malformedDocument, "unsupported digest \(digest) in the image layout")
        }
        return blobDirectory + "/" + hex
    }

    /// Whether the layout holds a blob of this digest and size.
    public func hasBlob(_ descriptor: Descriptor) -> Bool { blobSize(descriptor.digest) == descriptor.size }

    /// Writes a blob (its name is its digest).
    public func writeBlob(_ bytes: [UInt8]) throws {
        try FileSystem.writeAtomically(bytes, to: try blobPath(SignatureLayout.sha256(bytes)), mode: 0o644)
    }

    /// Writes a blob whose bytes `produce` hands over in pieces; the file appears only when `produce` returns (it
    /// throws on a digest mismatch), so an interrupted download leaves no blob behind.
    public func writeBlob(_ descriptor: Descriptor, produce: (_ sink: ([UInt8]) throws -> Void) async throws -> Void) async throws {
        let final = try blobPath(descriptor.digest)
        let temporary = blobDirectory + "/.partial-" + UUID().uuidString
        guard FileManager.default.createFile(atPath: temporary, contents: nil) else {
            throw OCIError(.registry, "cannot create \(temporary)")
        }
        do {
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: temporary))
            defer { try? handle.close() }
            try await produce { chunk in try handle.write(contentsOf: chunk) }
            try handle.synchronize()
            try FileManager.default.moveItem(atPath: temporary, toPath: final)
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            if FileManager.default.fileExists(atPath: final), hasBlob(descriptor) { return }
            throw error
        }
    }

    /// Reads a blob, checking its digest.
    public func readBlob(_ digest: String, maxBytes: Int = Limits.maxDocumentBytes) throws -> [UInt8] {
        let file = try blobPath(digest)
        try FileSystem.checkRegularFile(file)
        let bytes = try FileSystem.readFile(file, limit: maxBytes)
        guard SignatureLayout.sha256(bytes) == digest else {
            throw OCIError(.digestMismatch, "blob \(digest) in \(path) does not match its digest")
        }
        return bytes
    }

    /// A reader of a blob's bytes in pieces of `chunkSize` (empty at the end), for streamed uploads.
    public func blobReader(_ descriptor: Descriptor, chunkSize: Int = 1 << 20) throws -> BlobReader {
        let file = try blobPath(descriptor.digest)
        try FileSystem.checkRegularFile(file)
        return try BlobReader(path: file, chunkSize: chunkSize)
    }

    /// The size of a blob's file, or nil when there is none.
    public func blobSize(_ digest: String) -> Int64? {
        guard let file = try? blobPath(digest), let size = (try? FileManager.default.attributesOfItem(atPath: file))?[.size] as? NSNumber else {
            return nil
        }
        return size.int64Value
    }

    /// The saved manifests that could be referrers: blobs small enough for a manifest (4 MiB, the distribution spec's
    /// limit) that parse as one. Large layers are not read.
    func smallManifests() throws -> [(digest: String, bytes: [UInt8], manifest: Manifest)] {
        try blobDigests().compactMap { digest in
            guard let size = blobSize(digest), size <= 4 << 20, let bytes = try? readBlob(digest, maxBytes: 4 << 20),
                let manifest = try? JSONDecoder().decode(Manifest.self, from: Data(bytes))
            else { return nil }
            return (digest, bytes, manifest)
        }
    }

    /// The digests of every blob, in file-name order.
    public func blobDigests() throws -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: blobDirectory)) ?? []
        return names.filter { $0.count == 64 && !$0.hasPrefix(".") }.sorted().map { "sha256:" + $0 }
    }

    /// Writes `index.json` as go-containerregistry does (`json.MarshalIndent` with three spaces).
    public func writeIndex(_ entries: [Descriptor]) throws {
        let json: OrderedJSON = .object([
            ("schemaVersion", .number(2)), ("mediaType", .string(MediaType.ociIndex)),
            ("manifests", .array(entries.map(Self.entryJSON))),
        ])
        try FileSystem.writeAtomically(json.indented("   "), to: path + "/index.json", mode: 0o644)
    }

    static func entryJSON(_ d: Descriptor) -> OrderedJSON {
        .members([
            ("mediaType", .string(d.mediaType)), ("size", .number(d.size)), ("digest", .string(d.digest)),
            ("annotations", d.annotations.map { a in .object(a.keys.sorted().map { ($0, .string(a[$0]!)) }) }),
            ("artifactType", d.artifactType.map(OrderedJSON.string)),
        ])
    }

    /// The entries of `index.json`.
    public func entries() throws -> [Descriptor] {
        let file = path + "/index.json"
        guard FileManager.default.fileExists(atPath: file) else {
            throw OCIError(.notFound, "\(path) is not an image layout written by cosign save (no index.json)")
        }
        try FileSystem.checkRegularFile(file)
        let bytes = try FileSystem.readFile(file, limit: 16 << 20)
        guard let index = try? JSONDecoder().decode(ImageIndex.self, from: Data(bytes)) else {
            throw OCIError(.malformedDocument, "\(file) is not an OCI image index")
        }
        return index.manifests
    }

    /// The first entry of `kind`, as cosign looks it up.
    public func entry(_ kind: Kind) throws -> Descriptor? {
        try entries().first { $0.annotations?[Self.kindAnnotation] == kind.rawValue }
    }
}

/// Reads a file in pieces; safe to call from the upload's `@Sendable` chunk callback.
public final class BlobReader: @unchecked Sendable {
    private let handle: FileHandle
    private let chunkSize: Int
    private let lock = NSLock()

    init(path: String, chunkSize: Int) throws {
        handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        self.chunkSize = chunkSize
    }

    deinit { try? handle.close() }

    /// The next piece; empty at the end.
    public func next() throws -> [UInt8] {
        try lock.withLock { Array(try handle.read(upToCount: chunkSize) ?? Data()) }
    }
}
