import Foundation
import SigstoreCore
import SigstoreJSON
import SigstoreModels
import SigstoreTesting
import SwiftASN1
import Testing
import X509

@testable import SigstoreVerify

/// CertificateBytes: the SubjectPublicKeyInfo and the precertificate TBS read from a certificate's bytes, against
/// swift-asn1's parse and re-encoding of the same certificate.
@Suite("Certificate bytes")
struct CertificateBytesTests {
    /// The TBSCertificate without `oid`, rebuilt node by node with swift-asn1.
    static func reference(_ der: [UInt8], removing oid: ASN1ObjectIdentifier) throws -> [UInt8]? {
        guard case .constructed(let parts) = try DER.parse(der).content, let tbs = parts.first(where: { _ in true }),
            case .constructed(let fields) = tbs.content
        else { return nil }
        var removed = false
        var coder = DER.Serializer()
        try coder.appendConstructedNode(identifier: .sequence) { coder in
            for field in fields {
                guard field.identifier == ASN1Identifier(tagWithNumber: 3, tagClass: .contextSpecific),
                    case .constructed(let wrapped) = field.content, let list = wrapped.first(where: { _ in true }),
                    case .constructed(let extensions) = list.content
                else {
                    coder.serialize(field)
                    continue
                }
                try coder.appendConstructedNode(identifier: field.identifier) { coder in
                    try coder.appendConstructedNode(identifier: .sequence) { coder in
                        for item in extensions {
                            guard case .constructed(let parts) = item.content, let id = parts.first(where: { _ in true }) else { continue }
                            if try ASN1ObjectIdentifier(derEncoded: id) == oid { removed = true } else { coder.serialize(item) }
                        }
                    }
                }
            }
        }
        return removed ? coder.serializedBytes : nil
    }

    static func check(_ der: [UInt8]) throws {
        let certificate = try Certificate(derEncoded: der)
        var spki = DER.Serializer()
        try spki.serialize(certificate.publicKey)
        #expect(Array(try CertificateBytes.subjectPublicKeyInfo(der)) == spki.serializedBytes)
        for oid in [SigstoreOID.sctList, .X509ExtensionID.subjectAlternativeName, SigstoreOID.issuerV2, [1, 2, 3, 4]] {
            #expect(try CertificateBytes.tbsCertificate(der, removingExtension: oid) == reference(der, removing: oid), "\(oid)")
        }
    }

    @Test("a virtual Fulcio leaf: SPKI and every precertificate TBS match swift-asn1's")
    func virtualLeaf() throws {
        let bundle = try SigstoreBundle(jsonData: try virtual.sign(artifact, options: .init(time: signingTime)))
        guard case .certificate(let leaf) = bundle.verificationMaterial.signer else {
            Issue.record("the virtual bundle has no certificate")
            return
        }
        try Self.check(leaf.bytes)
    }

    // Needs ../shared/vectors (or SWIFT_COSIGN_VECTORS): skipped where it is absent, a failure under CI=true.
    @Test(
        "the leaves of the CPython release bundles (public-good Fulcio, P-256 and P-384 keys)",
        .enabled(if: Requirement.vectors.shouldRun, "needs the shared vectors: \(Requirement.vectors)"))
    func publicGoodLeaves() throws {
        let root = try #require(Requirement.vectorsDirectory)
        let table = try String(contentsOf: root.appendingPathComponent("cases.tsv"), encoding: .utf8)
        var checked = 0
        for line in table.split(separator: "\n") {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard fields.count > 4, fields[0].hasPrefix("cpython/"), fields[2] == "pass" else { continue }
            let bundle = try SigstoreBundle(jsonData: Array(try Data(contentsOf: root.appendingPathComponent(fields[4]))))
            switch bundle.verificationMaterial.signer {
            case .certificate(let leaf): try Self.check(leaf.bytes)
            case .x509CertificateChain(let chain): for c in chain { try Self.check(c.bytes) }
            case .publicKey: continue
            }
            checked += 1
        }
        #expect(checked >= 100)
    }

    @Test("malformed framing is refused, not read past")
    func malformed() {
        for bytes: [UInt8] in [[], [0x30], [0x30, 0x05, 0x30, 0x00], [0x30, 0x84, 0xFF, 0xFF, 0xFF, 0xFF], [0x30, 0x80, 0x00, 0x00], [0x1F, 0x01, 0x00]] {
            #expect(throws: (any Error).self) { try CertificateBytes.subjectPublicKeyInfo(bytes) }
            #expect(throws: (any Error).self) { try CertificateBytes.tbsCertificate(bytes, removingExtension: SigstoreOID.sctList) }
        }
    }
}
