import SigstoreVerify
import Testing
import TransparencyLog

@Suite("MerkleTree")
struct MerkleTreeTests {
    static func leaf(_ i: Int) -> [UInt8] { Array("leaf-\(i)".utf8) }

    @Test("roots, inclusion and consistency proofs for every size up to 70 agree with RFC 6962 and the verifier")
    func proofs() {
        var tree = MerkleTree()
        let leaves = (0..<70).map(Self.leaf)
        for l in leaves { tree.append(leafHash: Merkle.leafHash(l)) }
        #expect(tree.rootHash(size: 0) == naiveRoot([]))
        for size in 1...70 {
            let root = tree.rootHash(size: size)
            #expect(root == naiveRoot(leaves[0..<size]), "root of \(size)")
            for index in 0..<size {
                let proof = tree.inclusionProof(index: index, size: size)
                #expect(Merkle.rootFromInclusionProof(
                    index: UInt64(index), size: UInt64(size), leafHash: Merkle.leafHash(leaves[index]), proof: proof) == root)
            }
            for old in 1...size {
                let proof = tree.consistencyProof(from: old, to: size)
                #expect(Merkle.verifyConsistency(
                    oldSize: UInt64(old), newSize: UInt64(size), oldRoot: tree.rootHash(size: old), newRoot: root, proof: proof),
                    "consistency \(old) → \(size)")
            }
        }
    }

    @Test("a wrong old root fails consistency; tiles hold level-0 and level-1 hashes")
    func negativesAndTiles() {
        var tree = MerkleTree()
        for i in 0..<(256 * 2 + 5) { tree.append(leafHash: Merkle.leafHash(Self.leaf(i))) }
        let proof = tree.consistencyProof(from: 7, to: 300)
        #expect(!Merkle.verifyConsistency(
            oldSize: 7, newSize: 300, oldRoot: tree.rootHash(size: 8), newRoot: tree.rootHash(size: 300), proof: proof))
        let tile = tree.tileHashes(level: 0, index: 1, width: 256)
        #expect(tile?.count == 256 * 32)
        #expect(Array(tile![0..<32]) == Merkle.leafHash(Self.leaf(256)))
        #expect(tree.tileHashes(level: 0, index: 2, width: 5)?.count == 5 * 32)
        #expect(tree.tileHashes(level: 0, index: 2, width: 6) == nil)
        // Level 1 holds the roots of complete 256-leaf subtrees.
        #expect(tree.tileHashes(level: 1, index: 0, width: 2).map { Array($0[32..<64]) } == naiveRoot((256..<512).map(Self.leaf)[...]))
    }
}
