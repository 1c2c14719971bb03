public import SigstoreCore
internal import SigstoreVerify

/// One append-only transparency log: a Merkle tree in memory, every entry in durable storage, and a signed checkpoint
/// for each size it publishes.
///
/// Appends are batched: entries that arrive while a batch is being written form the next batch, which is stored in
/// one transaction, integrated into the tree and covered by one new checkpoint. An append returns only after its
/// batch is durable and its checkpoint signed, so every acknowledged entry survives a crash.
public actor TransparencyLog {
    /// A signed checkpoint and the tree state it commits to.
    public struct Checkpoint: Sendable, Hashable {
        /// The number of entries it covers.
        public var size: Int
        /// The root hash of those entries.
        public var rootHash: [UInt8]
        /// The signed note (`origin\nsize\nroot\n…\n\n— name sig\n`).
        public var note: String
    }

    /// What an append did.
    public enum Outcome: Sendable {
        /// The entry was added at `index`, integrated at `integratedTime`, and `checkpoint` covers it.
        case added(index: Int, integratedTime: Int64, checkpoint: Checkpoint)
        /// An entry with the same body already exists at `index`; nothing was added.
        case duplicate(index: Int)
    }

    /// Signs a checkpoint for a tree size and root; returns the note.
    public typealias CheckpointSigner = @Sendable (_ size: Int, _ rootHash: [UInt8]) throws -> String

    /// The log's name in storage.
    public nonisolated let name: String
    private let storage: any LogStorage
    private let signCheckpoint: CheckpointSigner
    private let now: @Sendable () -> Int64
    private let maxBatch: Int
    private let maxPending: Int
    private let onBatch: (@Sendable (BatchCommit) -> Void)?

    /// A batch integrated and stored.
    public struct BatchCommit: Sendable {
        /// New entries it integrated (duplicates within it excluded).
        public var entries: Int
        /// The tree size after it.
        public var treeSize: Int
        /// How long storage took to commit it.
        public var commitDuration: Duration
    }

    private var tree = MerkleTree()
    private var indexByLeaf: [LeafKey: Int] = [:]
    private var latest: Checkpoint
    private var pending: [Pending] = []
    private var flushing = false

    private struct Pending {
        var body: [UInt8]
        var leafHash: [UInt8]
        var searchKeys: [String]
        var continuation: CheckedContinuation<Outcome, any Error>
    }

    /// Opens the log `name` in `storage`, rebuilding its tree from the stored entries and signing a checkpoint for
    /// the current size. `now` gives the integration time in Unix seconds.
    public init(
        name: String, storage: any LogStorage, signCheckpoint: @escaping CheckpointSigner,
        now: @escaping @Sendable () -> Int64, maxBatch: Int = 1024, maxPending: Int = 16384,
        onBatch: (@Sendable (BatchCommit) -> Void)? = nil
    ) async throws {
        self.onBatch = onBatch
        self.name = name
        self.storage = storage
        self.signCheckpoint = signCheckpoint
        self.now = now
        self.maxBatch = maxBatch
        self.maxPending = maxPending
        var tree = MerkleTree()
        var indexByLeaf: [LeafKey: Int] = [:]
        for hash in try await storage.leafHashes(log: name) {
            indexByLeaf[LeafKey(hash), default: tree.size] = tree.size
            tree.append(leafHash: hash)
        }
        let root = tree.rootHash(size: tree.size)
        latest = Checkpoint(size: tree.size, rootHash: root, note: try signCheckpoint(tree.size, root))
        self.tree = tree
        self.indexByLeaf = indexByLeaf
    }

    /// The newest checkpoint.
    public var checkpoint: Checkpoint { latest }

    /// The number of integrated entries.
    public var size: Int { tree.size }

    /// Appends `body` unless an entry with the same body exists. `searchKeys` are stored with it for lookups.
    public func append(body: [UInt8], searchKeys: [String] = []) async throws -> Outcome {
        let leafHash = Merkle.leafHash(body)
        if let index = indexByLeaf[LeafKey(leafHash)] { return .duplicate(index: index) }
        guard pending.count < maxPending else { throw TransparencyLogError(.overloaded, "the log is overloaded; retry later") }
        return try await withCheckedThrowingContinuation { continuation in
            pending.append(Pending(body: body, leafHash: leafHash, searchKeys: searchKeys, continuation: continuation))
            if !flushing {
                flushing = true
                Task { await self.flush() }
            }
        }
    }

    /// Writes pending entries in batches until none are left.
    private func flush() async {
        while !pending.isEmpty {
            let batch = Array(pending.prefix(maxBatch))
            pending.removeFirst(batch.count)
            let time = now()
            var records: [LogRecord] = []
            var hashes: [[UInt8]] = []
            var outcome: [Int?] = []  // per pending item: index of an earlier item of this batch it duplicates
            var batchIndex: [LeafKey: Int] = [:]
            for item in batch {
                let key = LeafKey(item.leafHash)
                if let existing = indexByLeaf[key] ?? batchIndex[key] {
                    outcome.append(existing)
                    continue
                }
                let index = tree.size + records.count
                batchIndex[key] = index
                records.append(LogRecord(index: index, body: item.body, integratedTime: time, searchKeys: item.searchKeys))
                hashes.append(item.leafHash)
                outcome.append(nil)
            }
            do {
                var newTree = tree
                for h in hashes { newTree.append(leafHash: h) }
                let root = newTree.rootHash(size: newTree.size)
                let note = try signCheckpoint(newTree.size, root)
                let commitStart = ContinuousClock.now
                if !records.isEmpty { try await storage.append(log: name, records: records, leafHashes: hashes) }
                if !records.isEmpty {
                    onBatch?(BatchCommit(entries: records.count, treeSize: newTree.size, commitDuration: ContinuousClock.now - commitStart))
                }
                tree = newTree
                for (key, index) in batchIndex { indexByLeaf[key] = index }
                let checkpoint = Checkpoint(size: newTree.size, rootHash: root, note: note)
                latest = checkpoint
                var next = records.makeIterator()
                for (item, duplicateOf) in zip(batch, outcome) {
                    if let duplicateOf {
                        item.continuation.resume(returning: .duplicate(index: duplicateOf))
                    } else {
                        let record = next.next()!
                        item.continuation.resume(
                            returning: .added(index: record.index, integratedTime: time, checkpoint: checkpoint))
                    }
                }
            } catch {
                await resynchronize()
                for item in batch { item.continuation.resume(throwing: error) }
            }
        }
        flushing = false
    }

    /// After a failed append, takes in whatever storage did commit (a commit whose acknowledgement was lost, as when
    /// a database connection drops during COMMIT), so that the tree and storage agree again. The clients of that
    /// batch got an error; a retry finds its entry as a duplicate.
    private func resynchronize() async {
        guard let stored = try? await storage.leafHashes(log: name), stored.count > tree.size else { return }
        for index in 0..<tree.size where stored[index] != tree.leafHash(at: index) { return }  // not our prefix: leave it
        for hash in stored[tree.size...] {
            indexByLeaf[LeafKey(hash)] = tree.size
            tree.append(leafHash: hash)
        }
        let root = tree.rootHash(size: tree.size)
        if let note = try? signCheckpoint(tree.size, root) { latest = Checkpoint(size: tree.size, rootHash: root, note: note) }
    }

    /// The stored entry at `index`, or nil when the log has no such entry.
    public func record(at index: Int) async throws -> LogRecord? {
        guard index >= 0, index < tree.size else { return nil }
        return try await storage.records(log: name, range: index..<(index + 1)).first
    }

    /// The stored entries with indices in `range` (clamped to the tree).
    public func records(in range: Range<Int>) async throws -> [LogRecord] {
        let clamped = range.clamped(to: 0..<tree.size)
        if clamped.isEmpty { return [] }
        return try await storage.records(log: name, range: clamped)
    }

    /// The index of the entry whose leaf hash is `leafHash`.
    public func index(ofLeafHash leafHash: [UInt8]) -> Int? {
        leafHash.count == 32 ? indexByLeaf[LeafKey(leafHash)] : nil
    }

    /// The indices of entries stored with `searchKey`.
    public func indices(searchKey: String) async throws -> [Int] {
        try await storage.indices(log: name, searchKey: searchKey).filter { $0 < tree.size }
    }

    /// The audit path of `index` in the tree of `size` entries.
    public func inclusionProof(index: Int, size: Int) -> [[UInt8]]? {
        guard index >= 0, index < size, size <= tree.size else { return nil }
        return tree.inclusionProof(index: index, size: size)
    }

    /// The consistency proof from `oldSize` to `newSize` entries, or nil for sizes the log has not had.
    public func consistencyProof(from oldSize: Int, to newSize: Int) -> [[UInt8]]? {
        guard oldSize >= 0, oldSize <= newSize, newSize <= tree.size else { return nil }
        return tree.consistencyProof(from: oldSize, to: newSize)
    }

    /// The root hash of the first `size` entries.
    public func rootHash(size: Int) -> [UInt8]? {
        guard size >= 0, size <= tree.size else { return nil }
        return tree.rootHash(size: size)
    }

    /// C2SP tlog-tiles hashes of one tile.
    public func tileHashes(level: Int, index: Int, width: Int) -> [UInt8]? {
        tree.tileHashes(level: level, index: index, width: width)
    }
}

/// A transparency log refuses an operation: the package's error model.
public typealias TransparencyLogError = CodedError<TransparencyLogErrorCode>

/// The kind of a ``TransparencyLogError``.
/// The domain of ``TransparencyLogErrorCode``: transparency logs.
public enum TransparencyLogErrorDomain {}

/// The kinds of errors of the domain.
public typealias TransparencyLogErrorCode = ErrorName<TransparencyLogErrorDomain>

extension ErrorName where Domain == TransparencyLogErrorDomain {
    /// The log has more pending entries than it accepts; the client should retry later.
    public static var overloaded: Self { Self(name: "overloaded") }
}

/// A 32-byte leaf hash as a cheap dictionary key.
struct LeafKey: Hashable {
    var a: UInt64, b: UInt64, c: UInt64, d: UInt64

    init(_ bytes: [UInt8]) {
        func word(_ i: Int) -> UInt64 {
            var w: UInt64 = 0
            for j in 0..<8 { w = w << 8 | UInt64(bytes[i * 8 + j]) }
            return w
        }
        a = word(0)
        b = word(1)
        c = word(2)
        d = word(3)
    }
}
