import Foundation
import SigstoreCore
import SigstoreJSON
import SigstoreModels
import SigstoreTesting
import Testing

/// SigstoreBundle: every version read, written back as protobuf JSON, and strict refusals.
@Suite("Bundles")
struct BundleTests {
    static let virtual = try! VirtualSigstore()
    static let time = Date(timeIntervalSince1970: 1_750_000_000)

    static func json(_ options: VirtualSigstore.Options) throws -> [UInt8] {
        try virtual.sign(Array("artifact".utf8), options: options)
    }

    @Test(
        "bundles decode and write back to an equal bundle",
        arguments: [(VirtualSigstore.Log.rekorV1, false, false), (.rekorV1, true, true), (.rekorV2, true, false), (.none, true, true)])
    func roundTrip(log: VirtualSigstore.Log, timestamp: Bool, dsse: Bool) throws {
        let bundle = try SigstoreBundle(jsonData: try Self.json(.init(time: Self.time, log: log, timestamp: timestamp, dsse: dsse)))
        #expect(bundle.mediaType == SigstoreBundle.mediaTypeV03 && bundle.minorVersion == 3)
        let written = bundle.jsonData()
        #expect(try SigstoreBundle(jsonData: written) == bundle)
        // Writing is deterministic: the same value gives the same bytes.
        #expect(try SigstoreBundle(jsonData: written).jsonData() == written)
        switch bundle.content {
        case .dsseEnvelope: #expect(dsse)
        case .messageSignature(let m): #expect(!dsse && m.messageDigest?.algorithm == "SHA2_256")
        }
        #expect(bundle.verificationMaterial.tlogEntries.count == (log == .none ? 0 : 1))
        #expect((bundle.verificationMaterial.timestampVerificationData != nil) == timestamp)
    }

    @Test("a bundle built in code writes the members protobuf JSON names")
    func built() throws {
        let bundle = SigstoreBundle(
            verificationMaterial: VerificationMaterial(signer: .publicKey(hint: "key-1")),
            content: .messageSignature(MessageSignature(messageDigest: MessageDigest(algorithm: "SHA2_256", digest: [UInt8](repeating: 1, count: 32)), signature: [1, 2, 3])))
        let text = String(decoding: bundle.jsonData(), as: UTF8.self)
        #expect(text.hasPrefix(#"{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","verificationMaterial":{"publicKey":{"hint":"key-1"}}"#))
        #expect(text.contains(#""signature":"AQID""#))
        #expect(try SigstoreBundle(jsonData: bundle.jsonData()) == bundle)
    }

    /// Edits of a valid bundle's JSON text, each refused.
    enum Edit: String, CaseIterable, Sendable {
        case notJSON, array, unknownMediaType, unknownMember, noVerificationMaterial, badBase64, duplicateMember, duplicateNestedMember

        func apply(_ text: String) -> String {
            switch self {
            case .notJSON: "{"
            case .array: "[]"
            case .unknownMediaType: text.replacingOccurrences(of: "bundle.v0.3+json", with: "bundle.v9+json")
            case .unknownMember: text.replacingOccurrences(of: #"{"mediaType""#, with: #"{"extra":1,"mediaType""#)
            case .noVerificationMaterial: text.replacingOccurrences(of: #""verificationMaterial""#, with: #""verificationMaterialX""#)
            case .badBase64: text.replacingOccurrences(of: #""signature":""#, with: #""signature":"!!"#)
            // Go's protojson refuses a member named twice; a reader keeping the first and one keeping the last would
            // verify different signatures.
            case .duplicateMember: text.replacingOccurrences(of: #"{"mediaType""#, with: #"{"mediaType":"x","mediaType""#)
            case .duplicateNestedMember: text.replacingOccurrences(of: #""signature":""#, with: #""signature":"AAAA","signature":""#)
            }
        }
    }

    @Test("malformed, unknown or oversized bundles are refused with a BundleError", arguments: Edit.allCases)
    func refused(edit: Edit) throws {
        let text = String(decoding: try Self.json(.init(time: Self.time)), as: UTF8.self)
        #expect(throws: BundleError.self, "\(edit)") { try SigstoreBundle(jsonData: Array(edit.apply(text).utf8)) }
    }

    @Test("a bundle in UTF-16 is refused (protojson reads UTF-8 only), and the duplicate member is named")
    func encodingAndDuplicates() throws {
        let text = String(decoding: try Self.json(.init(time: Self.time)), as: UTF8.self)
        for encoding in [String.Encoding.utf16LittleEndian, .utf16BigEndian, .utf16] {
            let data = try #require(text.data(using: encoding))
            #expect(throws: BundleError.self) { try SigstoreBundle(jsonData: Array(data)) }
        }
        do {
            _ = try SigstoreBundle(jsonData: Array(Edit.duplicateNestedMember.apply(text).utf8))
            Issue.record("a duplicate member was accepted")
        } catch let error as BundleError {
            #expect(error.message.contains("duplicate key \"signature\""), "\(error.message)")
        }
    }

    @Test("more log entries than the limit are refused")
    func tooManyEntries() throws {
        let text = String(decoding: try Self.json(.init(time: Self.time)), as: UTF8.self)
        let start = try #require(text.range(of: #""tlogEntries":["#))
        let end = try #require(text.range(of: #"],"timestampVerificationData""#) ?? text.range(of: "]},"))
        let entry = String(text[start.upperBound..<end.lowerBound])
        let many = Array(repeating: entry, count: Limits.maxTlogEntries + 1).joined(separator: ",")
        let edited = text.replacingCharacters(in: start.upperBound..<end.lowerBound, with: many)
        #expect(throws: BundleError(.tooLarge, "")) { try SigstoreBundle(jsonData: Array(edited.utf8)) }
    }
}
