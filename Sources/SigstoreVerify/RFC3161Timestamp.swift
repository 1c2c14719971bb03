#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif
internal import Crypto
public import SigstoreCrypto
internal import SigstoreModels
internal import SwiftASN1
import SigstoreCore
@_spi(FixedExpiryValidationTime) public import X509

/// An RFC 3161 timestamp response (`TimeStampResp` holding a CMS `SignedData` over a `TSTInfo`).
///
/// swift-certificates' CMS verifier accepts only `id-data` content, so the structure is read here with swift-asn1
/// while signatures and chains go through swift-certificates.
public struct RFC3161Timestamp: Sendable {
    /// The time the TSA asserts.
    public var genTime: Date
    /// The hash in the message imprint.
    public var imprintAlgorithm: HashAlgorithm
    /// The hashed message.
    public var imprint: [UInt8]
    /// Certificates embedded in the token.
    public var certificates: [Certificate]

    private var tstInfoDER: [UInt8]
    private var digestAlgorithm: HashAlgorithm
    private var signatureAlgorithm: Certificate.SignatureAlgorithm
    private var signature: [UInt8]
    private var signedAttributes: [UInt8]?
    private var attributeMessageDigest: [UInt8]?
    private var attributeContentType: ASN1ObjectIdentifier?
    private var signerIssuerDER: [UInt8]?
    private var signerSerial: [UInt8]?
    private var signerKeyIdentifier: [UInt8]?

    private static let idSignedData: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 7, 2]
    private static let idTSTInfo: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 9, 16, 1, 4]
    private static let idContentType: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 9, 3]
    private static let idMessageDigest: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 9, 4]

    /// Parses a DER `TimeStampResp`. Only granted responses are accepted.
    public init(responseDER: [UInt8]) throws {
        do {
            try self.init(parsing: responseDER)
        } catch let error as VerificationError {
            throw error
        } catch {
            throw VerificationError(.timestamp, "malformed RFC 3161 timestamp: \(error)")
        }
    }

    private init(parsing der: [UInt8]) throws {
        guard der.count <= 1 << 20 else { throw VerificationError(.timestamp, "RFC 3161 timestamp is larger than 1 MiB") }
        let resp = try Self.children(try DER.parse(der))
        guard resp.count == 2 else { throw VerificationError(.timestamp, "RFC 3161 response carries no timestamp token") }
        let statusInfo = try Self.children(resp[0])
        guard let statusNode = statusInfo.first else { throw Bad.shape("status") }
        let status = try Int(derEncoded: statusNode)
        guard status == 0 || status == 1 else {
            throw VerificationError(.timestamp, "RFC 3161 response status is \(status), not granted")
        }
        let contentInfo = try Self.children(resp[1])
        guard contentInfo.count == 2, try ASN1ObjectIdentifier(derEncoded: contentInfo[0]) == Self.idSignedData else {
            throw Bad.shape("content info")
        }
        let signedData = try Self.children(try Self.single(contentInfo[1], ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific)))
        // RFC 5652 §5.1: content other than id-data makes the SignedData version 3.
        guard signedData.count >= 4, try Int(derEncoded: signedData[0]) == 3 else { throw Bad.shape("signed data") }
        let encap = try Self.children(signedData[2])
        guard encap.count == 2, try ASN1ObjectIdentifier(derEncoded: encap[0]) == Self.idTSTInfo else {
            throw VerificationError(.timestamp, "timestamp token does not hold a TSTInfo")
        }
        let eContent = try ASN1OctetString(derEncoded: try Self.single(encap[1], ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific)))
        tstInfoDER = Array(eContent.bytes)

        var certs: [Certificate] = []
        var index = 3
        while index < signedData.count - 1 {
            let node = signedData[index]
            if node.identifier == ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific) {
                for c in try Self.children(node, node.identifier) { certs.append(try Certificate(derEncoded: Array(c.encodedBytes))) }
            }
            index += 1
        }
        certificates = certs
        let signerInfos = try Self.children(signedData[signedData.count - 1], .set)
        guard signerInfos.count == 1 else {
            throw VerificationError(.timestamp, "timestamp token must have exactly one signer, has \(signerInfos.count)")
        }
        let si = try Self.children(signerInfos[0])
        guard si.count >= 5 else { throw Bad.shape("signer info") }
        let signerVersion = try Int(derEncoded: si[0])
        switch si[1].identifier {
        case .sequence:
            guard signerVersion == 1 else { throw Bad.shape("signer info version") }
            let ias = try Self.children(si[1])
            guard ias.count == 2 else { throw Bad.shape("signer identifier") }
            signerIssuerDER = Array(ias[0].encodedBytes)
            guard case .primitive(let serial) = ias[1].content else { throw Bad.shape("serial") }
            signerSerial = Array(serial)
        case ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific):
            guard signerVersion == 3, case .primitive(let ski) = si[1].content else { throw Bad.shape("subject key identifier") }
            signerKeyIdentifier = Array(ski)
        default: throw Bad.shape("signer identifier")
        }
        digestAlgorithm = try Self.hashAlgorithm(si[2])
        let listed = try Self.children(signedData[1], .set).map { try? Self.hashAlgorithm($0) }
        guard listed.contains(digestAlgorithm) else {
            throw VerificationError(.timestamp, "timestamp signer's digest algorithm is not listed in the signed data")
        }
        var next = 3
        if si[next].identifier == ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific) {
            signedAttributes = [0x31] + Array(si[next].encodedBytes.dropFirst())
            for attr in try Self.children(si[next], si[next].identifier) {
                let parts = try Self.children(attr)
                guard parts.count == 2 else { throw Bad.shape("attribute") }
                let oid = try ASN1ObjectIdentifier(derEncoded: parts[0])
                let values = try Self.children(parts[1], .set)
                if oid == Self.idMessageDigest {
                    guard values.count == 1, attributeMessageDigest == nil else { throw Bad.shape("message digest attribute") }
                    attributeMessageDigest = Array(try ASN1OctetString(derEncoded: values[0]).bytes)
                } else if oid == Self.idContentType {
                    guard values.count == 1, attributeContentType == nil else { throw Bad.shape("content type attribute") }
                    attributeContentType = try ASN1ObjectIdentifier(derEncoded: values[0])
                }
            }
            next += 1
        }
        guard next + 1 < si.count else { throw Bad.shape("signer info") }
        signatureAlgorithm = try Self.signatureAlgorithm(si[next], digest: digestAlgorithm)
        signature = Array(try ASN1OctetString(derEncoded: si[next + 1]).bytes)

        let tst = try Self.children(try DER.parse(tstInfoDER))
        guard tst.count >= 5, try Int(derEncoded: tst[0]) == 1 else { throw Bad.shape("TSTInfo") }
        let imprintParts = try Self.children(tst[2])
        guard imprintParts.count == 2 else { throw Bad.shape("message imprint") }
        imprintAlgorithm = try Self.hashAlgorithm(imprintParts[0])
        imprint = Array(try ASN1OctetString(derEncoded: imprintParts[1]).bytes)
        genTime = Self.date(try GeneralizedTime(derEncoded: tst[4]))
    }

    /// Verifies the token for `signature` against one timestamp authority and returns the verified time.
    ///
    /// Checks: the message imprint is the hash of `signature`; the CMS signature over the signed attributes (or the
    /// TSTInfo); the signer certificate (embedded, or the authority's own) chains to the authority's root at the
    /// timestamp with a timeStamping EKU; an embedded signer equals the authority's listed leaf; the time lies in the
    /// authority's validity window (inclusive).
    public func verify(signature signedBytes: [UInt8], authority: TrustMaterial.Authority) async throws -> Date {
        guard imprintAlgorithm.digest(of: signedBytes).bytes == imprint else {
            throw VerificationError(.timestamp, "timestamp message imprint does not match the signature")
        }
        let signer = try findSigner(authority: authority)
        if let leaf = authority.leaf, leaf != signer {
            throw VerificationError(.timestamp, "certificate embedded in the timestamp does not match the trusted TSA certificate")
        }
        let signedContent: [UInt8]
        if let signedAttributes {
            guard attributeContentType == Self.idTSTInfo else {
                throw VerificationError(.timestamp, "timestamp content-type attribute is not TSTInfo")
            }
            guard let attributeMessageDigest, digestAlgorithm.digest(of: tstInfoDER).bytes == attributeMessageDigest else {
                throw VerificationError(.timestamp, "timestamp message-digest attribute does not match the TSTInfo")
            }
            signedContent = signedAttributes
        } else {
            signedContent = tstInfoDER
        }
        guard signer.publicKey.isValidSignature(signature, for: signedContent, signatureAlgorithm: signatureAlgorithm) else {
            throw VerificationError(.timestamp, "timestamp signature is invalid")
        }
        var verifier = Verifier(rootCertificates: CertificateStore([authority.root])) {
            RFC5280Policy(fixedExpiryValidationTime: genTime)
            TimeStampingPolicy()
        }
        let result = await verifier.validate(
            leaf: signer, intermediates: CertificateStore(authority.intermediates + certificates))
        if case .couldNotValidate(let failures) = result {
            let why = failures.isEmpty ? "no chain to the TSA root" : Array(Set(failures.map { $0.policyFailureReason.description })).sorted().joined(separator: "; ")
            throw VerificationError(.timestamp, "timestamp certificate does not chain to the trusted TSA at \(genTime): \(why)")
        }
        if let validFor = authority.validFor, !validFor.contains(genTime) {
            throw VerificationError(.timestamp, "timestamp \(genTime) is outside the TSA's validity period")
        }
        return genTime
    }

    private func findSigner(authority: TrustMaterial.Authority) throws -> Certificate {
        // The signer comes from the token's own certificates; the trusted root's TSA certificate is used only when
        // the token embeds none.
        let candidates = certificates.isEmpty ? (authority.leaf.map { [$0] } ?? []) : certificates
        for cert in candidates {
            if let signerKeyIdentifier {
                if let ski = try? cert.extensions.subjectKeyIdentifier, Array(ski.keyIdentifier) == signerKeyIdentifier {
                    return cert
                }
                continue
            }
            var s = DER.Serializer()
            guard (try? s.serialize(cert.issuer)) != nil else { continue }
            // Compare magnitudes: the DER INTEGER has a 0x00 before a high bit, SerialNumber.bytes may not.
            if s.serializedBytes == signerIssuerDER
                && Array(cert.serialNumber.bytes.drop(while: { $0 == 0 })) == Array((signerSerial ?? []).drop(while: { $0 == 0 }))
            {
                return cert
            }
        }
        throw VerificationError(.timestamp, "timestamp signer certificate not found")
    }

    private enum Bad: Error, CustomStringConvertible {
        case shape(String)
        var description: String { if case .shape(let s) = self { "bad \(s)" } else { "" } }
    }

    /// The elements of a constructed node with the expected identifier (a SEQUENCE unless said otherwise).
    private static func children(_ node: ASN1Node, _ identifier: ASN1Identifier = .sequence) throws -> [ASN1Node] {
        guard node.identifier == identifier, case .constructed(let nodes) = node.content else {
            throw Bad.shape("\(node.identifier) where \(identifier) expected")
        }
        return Array(nodes)
    }

    private static func single(_ node: ASN1Node, _ identifier: ASN1Identifier) throws -> ASN1Node {
        let c = try children(node, identifier)
        guard c.count == 1 else { throw Bad.shape("explicit tag") }
        return c[0]
    }

    private static func hashAlgorithm(_ node: ASN1Node) throws -> HashAlgorithm {
        let parts = try children(node)
        guard let first = parts.first else { throw Bad.shape("algorithm identifier") }
        switch try ASN1ObjectIdentifier(derEncoded: first) {
        case [2, 16, 840, 1, 101, 3, 4, 2, 1]: return .sha256
        case [2, 16, 840, 1, 101, 3, 4, 2, 2]: return .sha384
        case [2, 16, 840, 1, 101, 3, 4, 2, 3]: return .sha512
        case let oid: throw VerificationError(.timestamp, "unsupported timestamp hash algorithm \(oid)")
        }
    }

    private static func signatureAlgorithm(_ node: ASN1Node, digest: HashAlgorithm) throws -> Certificate.SignatureAlgorithm {
        let parts = try children(node)
        guard let first = parts.first else { throw Bad.shape("algorithm identifier") }
        let byDigest: (Certificate.SignatureAlgorithm, Certificate.SignatureAlgorithm) =
            switch digest {
            case .sha256: (.ecdsaWithSHA256, .sha256WithRSAEncryption)
            case .sha384: (.ecdsaWithSHA384, .sha384WithRSAEncryption)
            case .sha512: (.ecdsaWithSHA512, .sha512WithRSAEncryption)
            }
        switch try ASN1ObjectIdentifier(derEncoded: first) {
        case [1, 2, 840, 10045, 4, 3, 2]: return .ecdsaWithSHA256
        case [1, 2, 840, 10045, 4, 3, 3]: return .ecdsaWithSHA384
        case [1, 2, 840, 10045, 4, 3, 4]: return .ecdsaWithSHA512
        case [1, 2, 840, 10045, 2, 1]: return byDigest.0
        case [1, 2, 840, 113549, 1, 1, 1]: return byDigest.1
        case [1, 2, 840, 113549, 1, 1, 11]: return .sha256WithRSAEncryption
        case [1, 2, 840, 113549, 1, 1, 12]: return .sha384WithRSAEncryption
        case [1, 2, 840, 113549, 1, 1, 13]: return .sha512WithRSAEncryption
        case [1, 3, 101, 112]: return .ed25519
        case let oid: throw VerificationError(.timestamp, "unsupported timestamp signature algorithm \(oid)")
        }
    }

    /// Converts an ASN.1 GeneralizedTime (UTC) to a `Date`.
    static func date(_ t: GeneralizedTime) -> Date {
        // Days from 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
        let y = t.month <= 2 ? t.year - 1 : t.year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (t.month + 9) % 12
        let doy = (153 * mp + 2) / 5 + t.day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146097 + doe - 719468
        let seconds = Double(days) * 86400 + Double(t.hours * 3600 + t.minutes * 60 + t.seconds)
        return Date(timeIntervalSince1970: seconds + t.fractionalSeconds)
    }
}
