import SigstoreTesting
import SigstoreVerify
import Testing

@Suite("Merkle proofs")
struct MerkleTests {
    @Test("inclusion proofs verify for every index of trees up to 40 leaves, and fail when moved")
    func inclusion() {
        for size in 1...40 {
            for index in 0..<size {
                let leaf = Array("leaf \(index)".utf8)
                let (proof, root) = VirtualSigstore.tree(leaf: leaf, index: index, size: size)
                let computed = Merkle.rootFromInclusionProof(
                    index: UInt64(index), size: UInt64(size), leafHash: Merkle.leafHash(leaf), proof: proof)
                #expect(computed == root)
                if size > 1 {
                    let moved = Merkle.rootFromInclusionProof(
                        index: UInt64((index + 1) % size), size: UInt64(size), leafHash: Merkle.leafHash(leaf), proof: proof)
                    #expect(moved != root)
                }
            }
        }
        #expect(Merkle.rootFromInclusionProof(index: 3, size: 3, leafHash: Merkle.leafHash([1]), proof: []) == nil)
    }

    /// RFC 9162 §2.1.4.1 SUBPROOF, to produce consistency proofs for the verifier.
    static func consistency(_ leaves: [[UInt8]], old m: Int) -> [[UInt8]] {
        func mth(_ d: ArraySlice<[UInt8]>) -> [UInt8] {
            if d.count == 1 { return d.first! }
            var k = 1
            while k * 2 < d.count { k *= 2 }
            return Merkle.nodeHash(mth(d.prefix(k)), mth(d.dropFirst(k)))
        }
        func subproof(_ m: Int, _ d: ArraySlice<[UInt8]>, _ complete: Bool) -> [[UInt8]] {
            let n = d.count
            if m == n { return complete ? [] : [mth(d)] }
            var k = 1
            while k * 2 < n { k *= 2 }
            if m <= k { return subproof(m, d.prefix(k), complete) + [mth(d.dropFirst(k))] }
            return subproof(m - k, d.dropFirst(k), false) + [mth(d.prefix(k))]
        }
        return subproof(m, leaves[...], true)
    }

    @Test("consistency proofs between every pair of sizes up to 24")
    func consistency() {
        let leaves = (0..<24).map { Merkle.leafHash(Array("entry \($0)".utf8)) }
        func root(_ n: Int) -> [UInt8] {
            func mth(_ d: ArraySlice<[UInt8]>) -> [UInt8] {
                if d.count == 1 { return d.first! }
                var k = 1
                while k * 2 < d.count { k *= 2 }
                return Merkle.nodeHash(mth(d.prefix(k)), mth(d.dropFirst(k)))
            }
            return mth(leaves.prefix(n))
        }
        for newSize in 1...24 {
            for oldSize in 1...newSize {
                let proof = oldSize == newSize ? [] : Self.consistency(Array(leaves.prefix(newSize)), old: oldSize)
                #expect(Merkle.verifyConsistency(
                    oldSize: UInt64(oldSize), newSize: UInt64(newSize), oldRoot: root(oldSize), newRoot: root(newSize), proof: proof))
                if oldSize < newSize {
                    #expect(!Merkle.verifyConsistency(
                        oldSize: UInt64(oldSize), newSize: UInt64(newSize), oldRoot: root(newSize), newRoot: root(newSize), proof: proof))
                }
            }
        }
    }
}
