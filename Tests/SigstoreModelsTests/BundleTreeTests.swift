import Foundation
import SigstoreCore
import SigstoreJSON
import SigstoreTesting
import Testing

@testable import SigstoreModels

/// SigstoreBundle+Tree: bundles read straight from the parser's tree are the bundles `Decodable` reads, and every
/// document the tree reader takes is one `Decodable` takes.
@Suite("Bundles read from the tree")
struct BundleTreeTests {
    /// What each reader makes of `bytes`: the tree reader's bundle (nil: it passed the document on) and `Decodable`'s.
    static func readers(_ bytes: [UInt8]) -> (tree: SigstoreBundle?, decodable: SigstoreBundle?) {
        let tree = (try? JSONParser.parse(bytes, rejectingDuplicateKeys: true)).flatMap { SigstoreBundle(tree: $0) }
        let decodable = try? decodeDocument(SigstoreBundle.self, from: bytes, what: "bundle")
        return (tree, decodable)
    }

    /// Bundles of every shape (v0.1 to v0.3, message signatures and DSSE, Rekor v1 and v2, timestamps) and the
    /// malformed ones of the conformance suite.
    static func vectorBundles() throws -> [[UInt8]] {
        let root = try #require(Requirement.vectorsDirectory)
        var found: [[UInt8]] = []
        let files = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)
        while let url = files?.nextObject() as? URL {
            guard url.pathExtension == "json", url.lastPathComponent.localizedCaseInsensitiveContains("bundle"),
                let data = try? Data(contentsOf: url), data.count < 1 << 20
            else { continue }
            found.append(Array(data))
        }
        return found
    }

    // Needs ../shared/vectors (or SWIFT_COSIGN_VECTORS): skipped where it is absent, a failure under CI=true.
    @Test(
        "every bundle of the shared vectors reads the same both ways; the well-formed ones take the tree path",
        .enabled(if: Requirement.vectors.shouldRun, "needs the shared vectors: \(Requirement.vectors)"))
    func vectors() throws {
        let bundles = try Self.vectorBundles()
        var taken = 0
        var decodable = 0
        for bytes in bundles {
            let read = Self.readers(bytes)
            if let tree = read.tree {
                #expect(tree == read.decodable, "\(String(decoding: bytes.prefix(300), as: UTF8.self))")
                taken += 1
            }
            if read.decodable != nil { decodable += 1 }
        }
        #expect(bundles.count > 150 && decodable > 150, "\(bundles.count) files, \(decodable) bundles")
        #expect(taken == decodable, "the tree path took \(taken) of \(decodable) bundles")
    }

    // Needs ../shared/vectors (or SWIFT_COSIGN_VECTORS): skipped where it is absent, a failure under CI=true.
    @Test(
        "6000 mutated bundles (members dropped, nulled, retyped, added, renamed; arrays emptied or grown): the tree reader never takes one Decodable refuses, nor reads one differently",
        .enabled(if: Requirement.vectors.shouldRun, "needs the shared vectors: \(Requirement.vectors)"))
    func mutations() throws {
        let bundles = try Self.vectorBundles().compactMap { bytes -> Any? in
            Self.readers(bytes).decodable == nil ? nil : try? JSONSerialization.jsonObject(with: Data(bytes))
        }
        try #require(bundles.count > 100)
        var generator = SplitMix64(state: 0x7ee)
        var (taken, refusedByBoth, agreed) = (0, 0, 0)
        for i in 0..<6000 {
            let mutated = Self.mutate(bundles[i % bundles.count], &generator)
            guard JSONSerialization.isValidJSONObject(mutated),
                let data = try? JSONSerialization.data(withJSONObject: mutated, options: [.fragmentsAllowed])
            else { continue }
            let read = Self.readers(Array(data))
            if let tree = read.tree {
                taken += 1
                #expect(tree == read.decodable, "\(String(decoding: data.prefix(400), as: UTF8.self))")
                if tree == read.decodable { agreed += 1 }
            } else if read.decodable == nil {
                refusedByBoth += 1
            }
        }
        // Both kinds occur: mutations the readers take (harmless ones) and ones both refuse.
        #expect(taken > 250 && refusedByBoth > 2000, "taken \(taken), refused by both \(refusedByBoth)")
    }

    /// `value` with one random change somewhere inside it.
    static func mutate(_ value: Any, _ generator: inout SplitMix64) -> Any {
        func pick(_ n: Int) -> Int { Int(generator.next() % UInt64(max(n, 1))) }
        let replacements: [Any] = [NSNull(), "", "x", "AAAA", "=", 0, 1, -1, 1.5, true, [Any](), [String: Any](), "12", "MEUCIQ", ["rawBytes": "AA=="]]
        // Descend to a random depth, then change what is there.
        if var object = value as? [String: Any], !object.isEmpty {
            let keys = object.keys.sorted()
            let key = keys[pick(keys.count)]
            switch pick(6) {
            case 0: object[key] = nil
            case 1: object[key] = replacements[pick(replacements.count)]
            case 2: object["unknownField"] = replacements[pick(replacements.count)]
            case 3: object[key + "s"] = object.removeValue(forKey: key)
            default: object[key] = mutate(object[key]!, &generator)
            }
            return object
        }
        if var array = value as? [Any], !array.isEmpty {
            let index = pick(array.count)
            switch pick(5) {
            case 0: array.remove(at: index)
            case 1: array.append(array[index])
            case 2: array[index] = replacements[pick(replacements.count)]
            default: array[index] = mutate(array[index], &generator)
            }
            return array
        }
        return replacements[pick(replacements.count)]
    }
}
