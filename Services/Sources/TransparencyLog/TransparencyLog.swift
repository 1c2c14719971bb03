public import SigstoreCore
internal import Synchronization
internal import SigstoreVerify

/// One append-only transparency log: a Merkle tree in memory, every entry in durable storage, and a signed checkpoint
/// for each size it publishes.
///
/// Appends are batched: entries that arrive while a batch is being written form the next batch, which is stored in
/// one transaction, integrated into the tree and covered by one new checkpoint. An append returns only after its
/// batch is durable and its checkpoint signed, so every acknowledged entry survives a crash.
///
/// Several processes may serve one log from shared storage (PostgreSQL). Each integrates its own batches through
/// ``LogStorage/sequence(log:knownSize:_:)``, which hands it, under the log's lock, the entries the others integrated
/// since it last looked; reads that reach past what this process has seen take those in first
/// (``refresh()``), so every process serves the same tree and the stored checkpoints.
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
    private let storageDeadline: Duration
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
        storageDeadline: Duration = .seconds(5), onBatch: (@Sendable (BatchCommit) -> Void)? = nil
    ) async throws {
        self.onBatch = onBatch
        self.storageDeadline = storageDeadline
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
        let stored = try await storage.head(log: name)
        let note = stored.flatMap { $0.size == tree.size && !$0.checkpoint.isEmpty ? $0.checkpoint : nil }
        latest = Checkpoint(size: tree.size, rootHash: root, note: try note ?? signCheckpoint(tree.size, root))
        self.tree = tree
        self.indexByLeaf = indexByLeaf
    }

    /// The newest checkpoint (after taking in what other processes sharing the storage integrated).
    public var checkpoint: Checkpoint {
        get async throws {
            try await refresh()
            return latest
        }
    }

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

    /// What one batch came to under the log's lock: the tree after it, and per pending entry its outcome.
    private struct Plan: Sendable {
        var tree: MerkleTree
        var start: Int
        var missing: [[UInt8]]
        var records: [LogRecord]
        var leafHashes: [[UInt8]]
        var duplicateOf: [Int?]
        var checkpoint: Checkpoint
    }

    /// Holds the plan the storage's `body` made, to read after the transaction.
    private final class PlanBox: @unchecked Sendable {
        var plan: Plan?
    }

    /// Writes pending entries in batches until none are left.
    private func flush() async {
        while !pending.isEmpty {
            let batch = Array(pending.prefix(maxBatch))
            pending.removeFirst(batch.count)
            let time = now()
            let base = tree
            let known = indexByLeaf
            let items = batch.map { (leafHash: $0.leafHash, body: $0.body, searchKeys: $0.searchKeys) }
            let sign = signCheckpoint
            let box = PlanBox()
            let (storage, name) = (self.storage, self.name)
            do {
                let commitStart = ContinuousClock.now
                try await Self.withDeadline(storageDeadline, log: name) {
                    try await storage.sequence(log: name, knownSize: base.size) { missing in
                        let plan = try Self.plan(base: base, known: known, missing: missing, items: items, time: time, sign: sign)
                        box.plan = plan
                        return plan.records.isEmpty
                            ? nil : SequencedBatch(records: plan.records, leafHashes: plan.leafHashes, checkpoint: plan.checkpoint.note)
                    }
                }
                guard let plan = box.plan else { throw StorageError(.inconsistent, "log \(name): the storage integrated no batch") }
                if !plan.records.isEmpty {
                    onBatch?(BatchCommit(entries: plan.records.count, treeSize: plan.tree.size, commitDuration: ContinuousClock.now - commitStart))
                }
                if tree.size == base.size {
                    // Nothing was taken in meanwhile: the plan's tree is this one with the batch on top.
                    tree = plan.tree
                    for (offset, hash) in (plan.missing + plan.leafHashes).enumerated() {
                        indexByLeaf[LeafKey(hash), default: base.size + offset] = base.size + offset
                    }
                } else {
                    absorb(plan.missing, from: base.size)
                    absorb(plan.leafHashes, from: plan.start)
                }
                if plan.checkpoint.size > latest.size { latest = plan.checkpoint }
                var next = plan.records.makeIterator()
                for (item, duplicateOf) in zip(batch, plan.duplicateOf) {
                    if let duplicateOf {
                        item.continuation.resume(returning: .duplicate(index: duplicateOf))
                    } else {
                        let record = next.next()!
                        item.continuation.resume(
                            returning: .added(index: record.index, integratedTime: time, checkpoint: plan.checkpoint))
                    }
                }
            } catch {
                await resynchronize()
                for item in batch { item.continuation.resume(throwing: error) }
            }
        }
        flushing = false
    }

    /// The batch `items` makes on top of `base` and the `missing` entries others integrated: duplicates (of the log or
    /// of the batch) refer to their first index, the rest are numbered on, and the checkpoint covers them.
    private static func plan(
        base: MerkleTree, known: [LeafKey: Int], missing: [[UInt8]], items: [(leafHash: [UInt8], body: [UInt8], searchKeys: [String])],
        time: Int64, sign: CheckpointSigner
    ) throws -> Plan {
        var tree = base
        var seen: [LeafKey: Int] = [:]
        for hash in missing {
            seen[LeafKey(hash), default: tree.size] = tree.size
            tree.append(leafHash: hash)
        }
        let start = tree.size
        var records: [LogRecord] = []
        var hashes: [[UInt8]] = []
        var duplicateOf: [Int?] = []
        for item in items {
            let key = LeafKey(item.leafHash)
            if let existing = known[key] ?? seen[key] {
                duplicateOf.append(existing)
                continue
            }
            let index = start + records.count
            seen[key] = index
            records.append(LogRecord(index: index, body: item.body, integratedTime: time, searchKeys: item.searchKeys))
            hashes.append(item.leafHash)
            duplicateOf.append(nil)
        }
        for hash in hashes { tree.append(leafHash: hash) }
        let root = tree.rootHash(size: tree.size)
        let checkpoint = Checkpoint(size: tree.size, rootHash: root, note: try sign(tree.size, root))
        return Plan(
            tree: tree, start: start, missing: missing, records: records, leafHashes: hashes, duplicateOf: duplicateOf, checkpoint: checkpoint)
    }

    /// Takes in leaf hashes stored from index `start` on that the tree does not have yet (another call may have taken
    /// in some of them meanwhile).
    private func absorb(_ hashes: [[UInt8]], from start: Int) {
        guard start <= tree.size else { return }
        for (offset, hash) in hashes.enumerated() where start + offset == tree.size {
            indexByLeaf[LeafKey(hash), default: tree.size] = tree.size
            tree.append(leafHash: hash)
        }
    }

    /// Takes in what other processes sharing the storage integrated, and the newest stored checkpoint. Does nothing for
    /// storage one process owns.
    public func refresh() async throws {
        guard let head = try await storage.head(log: name) else { return }
        if head.size > tree.size {
            let start = tree.size
            absorb(try await storage.leafHashes(log: name, from: start), from: start)
        }
        if head.size > latest.size, head.size <= tree.size, !head.checkpoint.isEmpty {
            latest = Checkpoint(size: head.size, rootHash: tree.rootHash(size: head.size), note: head.checkpoint)
        }
    }

    /// Runs `operation`, or throws `.unavailable` once `deadline` has passed (the operation then goes on unobserved: a
    /// database that does not answer must not hold a client).
    private static func withDeadline(
        _ deadline: Duration, log: String, _ operation: @escaping @Sendable () async throws -> Void
    ) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let once = ResumeOnce(continuation)
            let timer = Mutex<Task<Void, Never>?>(nil)
            let work = Task {
                do {
                    try await operation()
                    once.resume(with: .success(()))
                } catch {
                    once.resume(with: .failure(error))
                }
                // The answer came: no timer sleeps on for it (one per batch would pile up under load).
                timer.withLock { $0?.cancel() }
            }
            let sleeper = Task {
                guard (try? await Task.sleep(for: deadline)) != nil else { return }
                if once.resume(with: .failure(TransparencyLogError(
                    .unavailable, "the storage of log \(log) did not answer within \(deadline); retry later"))) {
                    work.cancel()
                }
            }
            timer.withLock { $0 = sleeper }
        }
    }

    /// After a failed append, takes in whatever storage did commit (a commit whose acknowledgement was lost, as when
    /// a database connection drops during COMMIT, or another process's batches), so that the tree and storage agree
    /// again. The clients of that batch got an error; a retry finds its entry as a duplicate.
    private func resynchronize() async {
        let start = tree.size
        guard let stored = try? await storage.leafHashes(log: name, from: start), !stored.isEmpty else { return }
        absorb(stored, from: start)
        let root = tree.rootHash(size: tree.size)
        if tree.size > latest.size, let note = try? signCheckpoint(tree.size, root) {
            latest = Checkpoint(size: tree.size, rootHash: root, note: note)
        }
    }

    /// The stored entry at `index`, or nil when the log has no such entry.
    public func record(at index: Int) async throws -> LogRecord? {
        if index >= tree.size { try await refresh() }
        guard index >= 0, index < tree.size else { return nil }
        return try await storage.records(log: name, range: index..<(index + 1)).first
    }

    /// The stored entries with indices in `range` (clamped to the tree).
    public func records(in range: Range<Int>) async throws -> [LogRecord] {
        if range.upperBound > tree.size { try await refresh() }
        let clamped = range.clamped(to: 0..<tree.size)
        if clamped.isEmpty { return [] }
        return try await storage.records(log: name, range: clamped)
    }

    /// The index of the entry whose leaf hash is `leafHash`.
    public func index(ofLeafHash leafHash: [UInt8]) async throws -> Int? {
        guard leafHash.count == 32 else { return nil }
        if let index = indexByLeaf[LeafKey(leafHash)] { return index }
        try await refresh()
        return indexByLeaf[LeafKey(leafHash)]
    }

    /// The indices of entries stored with `searchKey`.
    public func indices(searchKey: String) async throws -> [Int] {
        let found = try await storage.indices(log: name, searchKey: searchKey)
        if found.contains(where: { $0 >= tree.size }) { try await refresh() }
        return found.filter { $0 < tree.size }
    }

    /// The audit path of `index` in the tree of `size` entries.
    public func inclusionProof(index: Int, size: Int) async throws -> [[UInt8]]? {
        if size > tree.size { try await refresh() }
        guard index >= 0, index < size, size <= tree.size else { return nil }
        return tree.inclusionProof(index: index, size: size)
    }

    /// The consistency proof from `oldSize` to `newSize` entries, or nil for sizes the log has not had.
    public func consistencyProof(from oldSize: Int, to newSize: Int) async throws -> [[UInt8]]? {
        if newSize > tree.size { try await refresh() }
        guard oldSize >= 0, oldSize <= newSize, newSize <= tree.size else { return nil }
        return tree.consistencyProof(from: oldSize, to: newSize)
    }

    /// The root hash of the first `size` entries.
    public func rootHash(size: Int) async throws -> [UInt8]? {
        if size > tree.size { try await refresh() }
        guard size >= 0, size <= tree.size else { return nil }
        return tree.rootHash(size: size)
    }

    /// C2SP tlog-tiles hashes of one tile.
    public func tileHashes(level: Int, index: Int, width: Int) async throws -> [UInt8]? {
        if let hashes = tree.tileHashes(level: level, index: index, width: width) { return hashes }
        try await refresh()
        return tree.tileHashes(level: level, index: index, width: width)
    }
}

/// Resumes a continuation once, whichever of its racers comes first.
private final class ResumeOnce: Sendable {
    private let continuation: Mutex<CheckedContinuation<Void, any Error>?>

    init(_ continuation: CheckedContinuation<Void, any Error>) {
        self.continuation = Mutex(continuation)
    }

    /// Resumes with `result` unless it was resumed already; whether this call did.
    @discardableResult
    func resume(with result: Result<Void, any Error>) -> Bool {
        let continuation = self.continuation.withLock { stored -> CheckedContinuation<Void, any Error>? in
            defer { stored = nil }
            return stored
        }
        continuation?.resume(with: result)
        return continuation != nil
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
    /// The log's storage did not answer in time; the client should retry later.
    public static var unavailable: Self { Self(name: "unavailable") }
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
