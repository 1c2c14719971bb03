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
/// swift-certificates' CMS verifier accepts only `id-data` content, so the structure is read with the typed DER of
/// SigstoreCrypto (`TimeStampResp`, `SignedData`, `TSTInfo`, the types the issuer writes with) while signatures and
/// chains go through swift-certificates.
public struct RFC3161Timestamp: Sendable {
    /// The time the TSA asserts.
    public var genTime: Date
    /// The hash in the message imprint.
    public var imprintAlgorithm: HashAlgorithm
    /// The hashed message.
    public var imprint: [UInt8]
    /// Certificates embedded in the token.
    public var certificates: [Certificate]
    /// The token's serial number: two's-complement content octets, big-endian.
    public var serialNumber: [UInt8]
    /// The authority's policy OID, dotted.
    public var policy: String

    private var tstInfoDER: [UInt8]
    private var digestAlgorithm: HashAlgorithm
    private var signatureAlgorithm: Certificate.SignatureAlgorithm
    private var signature: [UInt8]
    private var signedAttributes: [UInt8]?
    private var attributeMessageDigest: [UInt8]?
    private var attributeContentType: ASN1ObjectIdentifier?
    private var signerIdentifier: SignerIdentifier

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
        let response = try TimeStampResp(derEncoded: der)
        guard let token = response.timeStampToken else {
            throw VerificationError(.timestamp, "RFC 3161 response carries no timestamp token")
        }
        guard response.status.status == 0 || response.status.status == 1 else {
            throw VerificationError(.timestamp, "RFC 3161 response status is \(response.status.status), not granted")
        }
        guard token.contentType == OID.signedData else { throw Bad.shape("content info") }
        let signedData = try SignedData(asn1Any: token.content)
        // RFC 5652 §5.1: content other than id-data makes the SignedData version 3.
        guard signedData.version == 3 else { throw Bad.shape("signed data") }
        guard signedData.encapContentInfo.contentType == OID.tstInfo, let content = signedData.encapContentInfo.content else {
            throw VerificationError(.timestamp, "timestamp token does not hold a TSTInfo")
        }
        tstInfoDER = content
        certificates = try (signedData.certificates ?? []).map { try Certificate(derEncoded: $0.bytes) }
        guard signedData.signerInfos.count == 1, let signer = signedData.signerInfos.first else {
            throw VerificationError(.timestamp, "timestamp token must have exactly one signer, has \(signedData.signerInfos.count)")
        }
        switch signer.signerIdentifier {
        case .issuerAndSerialNumber: guard signer.version == 1 else { throw Bad.shape("signer info version") }
        case .subjectKeyIdentifier: guard signer.version == 3 else { throw Bad.shape("subject key identifier") }
        }
        signerIdentifier = signer.signerIdentifier
        let digest = try Self.hashAlgorithm(signer.digestAlgorithm)
        digestAlgorithm = digest
        guard signedData.digestAlgorithms.contains(where: { HashAlgorithm(oid: $0.algorithm) == digest }) else {
            throw VerificationError(.timestamp, "timestamp signer's digest algorithm is not listed in the signed data")
        }
        if let attributes = signer.signedAttributes {
            signedAttributes = signer.signedAttributesDER
            for attribute in attributes {
                if attribute.type == OID.messageDigest {
                    guard attribute.values.count == 1, attributeMessageDigest == nil else { throw Bad.shape("message digest attribute") }
                    attributeMessageDigest = Array(try ASN1OctetString(asn1Any: attribute.values[0]).bytes)
                } else if attribute.type == OID.contentType {
                    guard attribute.values.count == 1, attributeContentType == nil else { throw Bad.shape("content type attribute") }
                    attributeContentType = try ASN1ObjectIdentifier(asn1Any: attribute.values[0])
                }
            }
        }
        signatureAlgorithm = try Self.signatureAlgorithm(signer.signatureAlgorithm, digest: digestAlgorithm)
        signature = signer.signature

        let info = try TSTInfo(derEncoded: tstInfoDER)
        guard info.version == 1 else { throw Bad.shape("TSTInfo") }
        imprintAlgorithm = try Self.hashAlgorithm(info.messageImprint.hashAlgorithm)
        imprint = info.messageImprint.hashedMessage
        genTime = Date(info.genTime)
        serialNumber = info.serialNumber.contentBytes
        policy = info.policy.description
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
            guard attributeContentType == OID.tstInfo else {
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
            switch signerIdentifier {
            case .subjectKeyIdentifier(let keyIdentifier):
                if let ski = try? cert.extensions.subjectKeyIdentifier, Array(ski.keyIdentifier) == keyIdentifier {
                    return cert
                }
            case .issuerAndSerialNumber(let ias):
                // Compare magnitudes: the DER INTEGER has a 0x00 before a high bit, SerialNumber.bytes may not.
                if (try? RawDER(encoding: cert.issuer)) == ias.issuer
                    && Array(cert.serialNumber.bytes.drop(while: { $0 == 0 })) == ias.serialNumber.magnitude
                {
                    return cert
                }
            }
        }
        throw VerificationError(.timestamp, "timestamp signer certificate not found")
    }

    private enum Bad: Error, CustomStringConvertible {
        case shape(String)
        var description: String { if case .shape(let s) = self { "bad \(s)" } else { "" } }
    }

    private static func hashAlgorithm(_ identifier: AlgorithmIdentifier) throws -> HashAlgorithm {
        guard let algorithm = HashAlgorithm(oid: identifier.algorithm) else {
            throw VerificationError(.timestamp, "unsupported timestamp hash algorithm \(identifier.algorithm)")
        }
        return algorithm
    }

    private static func signatureAlgorithm(_ identifier: AlgorithmIdentifier, digest: HashAlgorithm) throws -> Certificate.SignatureAlgorithm {
        let byDigest: (Certificate.SignatureAlgorithm, Certificate.SignatureAlgorithm) =
            switch digest {
            case .sha256: (.ecdsaWithSHA256, .sha256WithRSAEncryption)
            case .sha384: (.ecdsaWithSHA384, .sha384WithRSAEncryption)
            case .sha512: (.ecdsaWithSHA512, .sha512WithRSAEncryption)
            }
        switch identifier.algorithm {
        case OID.ecdsaWithSHA256: return .ecdsaWithSHA256
        case OID.ecdsaWithSHA384: return .ecdsaWithSHA384
        case OID.ecdsaWithSHA512: return .ecdsaWithSHA512
        case OID.ecPublicKey: return byDigest.0
        case OID.rsaEncryption: return byDigest.1
        case OID.sha256WithRSAEncryption: return .sha256WithRSAEncryption
        case OID.sha384WithRSAEncryption: return .sha384WithRSAEncryption
        case OID.sha512WithRSAEncryption: return .sha512WithRSAEncryption
        case OID.ed25519: return .ed25519
        case let oid: throw VerificationError(.timestamp, "unsupported timestamp signature algorithm \(oid)")
        }
    }
}
