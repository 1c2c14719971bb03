internal import SigstoreVerify

/// An append-only RFC 6962 Merkle tree over leaf hashes that answers for every size it has had: root hashes,
/// inclusion proofs and consistency proofs.
///
/// The hashes of complete subtrees are kept level by level (level `k` holds one hash per aligned run of `2^k`
/// leaves), so any root or proof costs O(log² n) hash operations and no leaf is hashed twice.
public struct MerkleTree: Sendable {
    /// `levels[k]` holds the hashes of complete subtrees of `2^k` leaves, 32 bytes each, left to right.
    private var levels: [[UInt8]] = [[]]

    /// Creates an empty tree.
    public init() {}

    /// The number of leaves.
    public var size: Int { levels[0].count / 32 }

    /// Appends a leaf by its hash (`Merkle.leafHash(body)`).
    public mutating func append(leafHash: [UInt8]) {
        precondition(leafHash.count == 32, "a leaf hash has 32 bytes")
        levels[0].append(contentsOf: leafHash)
        var level = 0
        // A level with an even number of hashes just completed a subtree one level up.
        while (levels[level].count / 32) % 2 == 0 {
            let n = levels[level].count
            let right = Array(levels[level][(n - 32)..<n])
            let left = Array(levels[level][(n - 64)..<(n - 32)])
            if levels.count == level + 1 { levels.append([]) }
            levels[level + 1].append(contentsOf: Merkle.nodeHash(left, right))
            level += 1
        }
    }

    /// The hash of leaf `index`.
    public func leafHash(at index: Int) -> [UInt8] { hash(level: 0, index: index) }

    /// The root hash of the tree's first `size` leaves (`SHA-256("")` for none).
    public func rootHash(size: Int) -> [UInt8] {
        precondition(size <= self.size, "the tree has never had \(size) leaves")
        if size == 0 { return [0xE3, 0xB0, 0xC4, 0x42, 0x98, 0xFC, 0x1C, 0x14, 0x9A, 0xFB, 0xF4, 0xC8, 0x99, 0x6F, 0xB9, 0x24, 0x27, 0xAE, 0x41, 0xE4, 0x64, 0x9B, 0x93, 0x4C, 0xA4, 0x95, 0x99, 0x1B, 0x78, 0x52, 0xB8, 0x55] }
        return subtreeHash(0, size)
    }

    /// The audit path of leaf `index` in the tree of `size` leaves (RFC 6962 §2.1.1), leaf to root.
    public func inclusionProof(index: Int, size: Int) -> [[UInt8]] {
        precondition(index < size && size <= self.size, "no leaf \(index) in a tree of \(size)")
        var proof: [[UInt8]] = []
        path(index, 0, size, into: &proof)
        return proof.reversed()
    }

    /// The consistency proof from the tree of `oldSize` leaves to the tree of `newSize` (RFC 6962 §2.1.2).
    public func consistencyProof(from oldSize: Int, to newSize: Int) -> [[UInt8]] {
        precondition(oldSize <= newSize && newSize <= self.size, "no consistency from \(oldSize) to \(newSize)")
        if oldSize == 0 || oldSize == newSize { return [] }
        var proof: [[UInt8]] = []
        subproof(oldSize, 0, newSize, complete: true, into: &proof)
        return proof.reversed()
    }

    // MARK: - RFC 6962 recursion

    private func hash(level: Int, index: Int) -> [UInt8] {
        Array(levels[level][(index * 32)..<(index * 32 + 32)])
    }

    /// MTH(D[lo:hi]). Every range the recursion asks for starts at a multiple of its largest power-of-two part, so
    /// complete pieces come straight from the cache.
    private func subtreeHash(_ lo: Int, _ hi: Int) -> [UInt8] {
        let n = hi - lo
        if n & (n - 1) == 0 {
            let level = n.trailingZeroBitCount
            return hash(level: level, index: lo >> level)
        }
        let k = Self.largestPowerOfTwo(below: n)
        return Merkle.nodeHash(subtreeHash(lo, lo + k), subtreeHash(lo + k, hi))
    }

    /// PATH(m, D[lo:hi]), appended root-first.
    private func path(_ m: Int, _ lo: Int, _ hi: Int, into proof: inout [[UInt8]]) {
        let n = hi - lo
        if n == 1 { return }
        let k = Self.largestPowerOfTwo(below: n)
        if m < k {
            proof.append(subtreeHash(lo + k, hi))
            path(m, lo, lo + k, into: &proof)
        } else {
            proof.append(subtreeHash(lo, lo + k))
            path(m - k, lo + k, hi, into: &proof)
        }
    }

    /// SUBPROOF(m, D[lo:hi], b), appended root-first.
    private func subproof(_ m: Int, _ lo: Int, _ hi: Int, complete: Bool, into proof: inout [[UInt8]]) {
        let n = hi - lo
        if m == n {
            if !complete { proof.append(subtreeHash(lo, hi)) }
            return
        }
        let k = Self.largestPowerOfTwo(below: n)
        if m <= k {
            proof.append(subtreeHash(lo + k, hi))
            subproof(m, lo, lo + k, complete: complete, into: &proof)
        } else {
            proof.append(subtreeHash(lo, lo + k))
            subproof(m - k, lo + k, hi, complete: false, into: &proof)
        }
    }

    /// The largest power of two strictly below `n` (n ≥ 2).
    static func largestPowerOfTwo(below n: Int) -> Int {
        1 << (Int.bitWidth - (n - 1).leadingZeroBitCount - 1)
    }

    // MARK: - Tiles

    /// The hashes of tile `index` at tile level `level` (C2SP tlog-tiles: tree level `8 × level`), `width` of them.
    /// Nil when the tree does not yet hold them.
    public func tileHashes(level: Int, index: Int, width: Int) -> [UInt8]? {
        let treeLevel = level * 8
        guard width >= 1, width <= 256, treeLevel < levels.count else { return nil }
        let start = index * 256 * 32
        let end = start + width * 32
        guard index >= 0, end <= levels[treeLevel].count else { return nil }
        return Array(levels[treeLevel][start..<end])
    }
}
