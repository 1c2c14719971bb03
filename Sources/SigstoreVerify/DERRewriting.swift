internal import SwiftASN1

/// Small DER helpers for rebuilding structures that must be hashed or signed byte for byte.
package enum DERRewriting {
    /// A DER length field.
    package static func length(_ n: Int) -> [UInt8] {
        if n < 0x80 { return [UInt8(n)] }
        var bytes: [UInt8] = []
        var v = n
        while v > 0 {
            bytes.insert(UInt8(v & 0xFF), at: 0)
            v >>= 8
        }
        return [0x80 | UInt8(bytes.count)] + bytes
    }

    /// A TLV with a one-byte identifier.
    package static func tlv(_ identifier: UInt8, _ content: [UInt8]) -> [UInt8] {
        [identifier] + length(content.count) + content
    }

    /// The TBSCertificate of `certificateDER` with the extension `oid` removed (RFC 6962 §3.3: the data an embedded
    /// SCT signs). Nil when the certificate has no such extension.
    static func tbsCertificate(_ certificateDER: [UInt8], removingExtension oid: ASN1ObjectIdentifier) throws -> [UInt8]? {
        let cert = try DER.parse(certificateDER)
        guard case .constructed(let certParts) = cert.content, let tbs = certParts.first(where: { _ in true }),
            case .constructed(let tbsParts) = tbs.content
        else { throw ASN1Error.invalidASN1Object(reason: "not a certificate") }
        var out: [UInt8] = []
        var removed = false
        for part in tbsParts {
            guard part.identifier == ASN1Identifier(tagWithNumber: 3, tagClass: .contextSpecific),
                case .constructed(let wrapped) = part.content, let sequence = wrapped.first(where: { _ in true }),
                case .constructed(let extensions) = sequence.content
            else {
                out += part.encodedBytes
                continue
            }
            var kept: [UInt8] = []
            for ext in extensions {
                guard case .constructed(let fields) = ext.content, let first = fields.first(where: { _ in true }) else {
                    throw ASN1Error.invalidASN1Object(reason: "malformed extension")
                }
                if try ASN1ObjectIdentifier(derEncoded: first) == oid {
                    removed = true
                } else {
                    kept += ext.encodedBytes
                }
            }
            out += tlv(0xA3, tlv(0x30, kept))
        }
        return removed ? tlv(0x30, out) : nil
    }
}
