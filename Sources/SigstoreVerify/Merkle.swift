internal import Crypto

/// RFC 6962 / RFC 9162 Merkle tree hashing and proof verification.
public enum Merkle {
    /// `SHA-256(0x00 ‖ leaf)`.
    public static func leafHash(_ leaf: some Sequence<UInt8>) -> [UInt8] {
        var h = SHA256()
        withUnsafeBytes(of: UInt8(0x00)) { h.update(bufferPointer: $0) }
        if leaf.withContiguousStorageIfAvailable({ h.update(bufferPointer: UnsafeRawBufferPointer($0)) }) == nil {
            h.update(data: Array(leaf))
        }
        return h.finalize().withUnsafeBytes { Array($0) }
    }

    /// `SHA-256(0x01 ‖ left ‖ right)`: the input laid out on the stack, hashed at once (a proof hashes a node per
    /// level of the tree, for every entry verified).
    public static func nodeHash(_ left: [UInt8], _ right: [UInt8]) -> [UInt8] {
        withUnsafeTemporaryAllocation(byteCount: 1 + left.count + right.count, alignment: 1) { buffer in
            buffer[0] = 0x01
            left.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: buffer[1...]).copyMemory(from: $0) }
            right.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: buffer[(1 + left.count)...]).copyMemory(from: $0) }
            var h = SHA256()
            h.update(bufferPointer: UnsafeRawBufferPointer(buffer))
            return h.finalize().withUnsafeBytes { Array($0) }
        }
    }

    /// The root an inclusion proof leads to (RFC 9162 §2.1.3.2), or nil when the proof has the wrong shape.
    public static func rootFromInclusionProof(
        index: UInt64, size: UInt64, leafHash: [UInt8], proof: [[UInt8]]
    ) -> [UInt8]? {
        guard index < size, leafHash.count == 32, proof.allSatisfy({ $0.count == 32 }) else { return nil }
        var fn = index
        var sn = size - 1
        var r = leafHash
        for p in proof {
            if sn == 0 { return nil }
            if fn & 1 == 1 || fn == sn {
                r = nodeHash(p, r)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                r = nodeHash(r, p)
            }
            fn >>= 1
            sn >>= 1
        }
        return sn == 0 ? r : nil
    }

    /// Whether a consistency proof shows that the tree of `oldSize` with `oldRoot` is a prefix of the tree of
    /// `newSize` with `newRoot` (RFC 9162 §2.1.4.2).
    public static func verifyConsistency(
        oldSize: UInt64, newSize: UInt64, oldRoot: [UInt8], newRoot: [UInt8], proof: [[UInt8]]
    ) -> Bool {
        guard oldSize <= newSize, proof.allSatisfy({ $0.count == 32 }) else { return false }
        if oldSize == newSize { return proof.isEmpty && oldRoot == newRoot }
        if oldSize == 0 { return proof.isEmpty }
        var path = proof
        if oldSize & (oldSize - 1) == 0 { path.insert(oldRoot, at: 0) }  // a power of two: the old root is the seed
        guard !path.isEmpty else { return false }
        var fn = oldSize - 1
        var sn = newSize - 1
        while fn & 1 == 1 {
            fn >>= 1
            sn >>= 1
        }
        var fr = path[0]
        var sr = path[0]
        for c in path.dropFirst() {
            if sn == 0 { return false }
            if fn & 1 == 1 || fn == sn {
                fr = nodeHash(c, fr)
                sr = nodeHash(c, sr)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                sr = nodeHash(sr, c)
            }
            fn >>= 1
            sn >>= 1
        }
        return fr == oldRoot && sr == newRoot && sn == 0
    }
}
