@testable import CosignOCI
import Foundation
import OCIModels
import OCIRegistry
import Synchronization
import Testing

/// The read-modify-write both storage schemes use, driven against an in-memory tag with a scripted concurrent writer
/// (issue 23 item 12): a dropped entry is written again, entries another writer dropped are put back, and an append
/// returns only once the tag has stayed unchanged with its entry.
@Suite("confirmed appends repair what concurrent writers drop")
struct ConfirmedAppendTests {
    /// An in-memory tag: its entries, a version that changes on every write, and a rogue writer that replaces the
    /// entries right after the append's first write (as a writer that read before it would).
    final class Tag: Sendable {
        struct State {
            var entries: [Descriptor]
            var version = 0
            var writes: [[String]] = []
            var rogue: (([Descriptor]) -> [Descriptor])?
        }
        let state: Mutex<State>
        init(_ entries: [Descriptor], rogue: (@Sendable ([Descriptor]) -> [Descriptor])?) {
            state = Mutex(State(entries: entries, rogue: rogue))
        }
        func read() -> SignatureStore.AppendTarget? {
            state.withLock { s in
                SignatureStore.AppendTarget(digest: "v\(s.version)", entries: s.entries, mediaType: MediaType.ociIndex)
            }
        }
        func write(_ entries: [Descriptor]) {
            state.withLock { s in
                s.writes.append(entries.map(\.digest))
                s.entries = entries
                s.version += 1
                if let rogue = s.rogue {
                    s.entries = rogue(entries)
                    s.version += 1
                    s.rogue = nil
                }
            }
        }
        var entries: [String] { state.withLock { $0.entries.map(\.digest) } }
        var writes: [[String]] { state.withLock { $0.writes } }
    }

    static func entry(_ name: String) -> Descriptor {
        Descriptor(mediaType: MediaType.ociManifest, digest: "sha256:" + name, size: 1)
    }

    static func store() throws -> SignatureStore {
        var options = SignatureStore.Options()
        options.appendQuietPeriod = .milliseconds(20)
        return SignatureStore(client: try RegistryClient(), options: options)
    }

    static func append(_ ours: Descriptor, to tag: Tag, store: SignatureStore) async throws -> Bool {
        try await store.confirmedAppend(
            ours, to: try ImageReference(parsing: "127.0.0.1:1/repo:tag"), what: "the referrer",
            read: { tag.read() }, alreadyThere: { $0.contains { $0.digest == ours.digest } }, keep: { _ in true },
            write: { _, entries in tag.write(entries) })
    }

    @Test("a writer that drops our entry right after we wrote it: the append writes it again")
    func droppedEntryRewritten() async throws {
        // The rogue writer read [a] before our write and writes [a, r] after it.
        let tag = Tag([Self.entry("a")], rogue: { _ in [Self.entry("a"), Self.entry("r")] })
        #expect(try await Self.append(Self.entry("ours"), to: tag, store: try Self.store()))
        #expect(tag.entries == ["sha256:a", "sha256:r", "sha256:ours"])
        #expect(tag.writes.count == 2)
    }

    @Test("entries a concurrent writer dropped, which this append saw, are put back with ours")
    func droppedOthersRestored() async throws {
        // The rogue writer drops both our entry and b.
        let tag = Tag([Self.entry("a"), Self.entry("b")], rogue: { _ in [Self.entry("a")] })
        #expect(try await Self.append(Self.entry("ours"), to: tag, store: try Self.store()))
        #expect(Set(tag.entries) == ["sha256:a", "sha256:b", "sha256:ours"])
    }

    @Test("an entry already there is not written again; without interference one write suffices")
    func alreadyThereAndQuiet() async throws {
        let present = Tag([Self.entry("ours")], rogue: nil)
        #expect(try await Self.append(Self.entry("ours"), to: present, store: try Self.store()) == false)
        #expect(present.writes.isEmpty)
        let quiet = Tag([], rogue: nil)
        #expect(try await Self.append(Self.entry("ours"), to: quiet, store: try Self.store()))
        #expect(quiet.writes == [["sha256:ours"]])
    }
}
