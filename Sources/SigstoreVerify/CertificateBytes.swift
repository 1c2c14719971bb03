internal import SwiftASN1

/// Pieces of a DER certificate read straight from its bytes by their tag-length-value framing: the
/// `SubjectPublicKeyInfo` as the certificate carries it, and the TBSCertificate without one extension (the
/// precertificate an embedded SCT signs). The certificate was parsed whole (strict DER) before either is asked for;
/// anything unexpected here still throws.
enum CertificateBytes {
    /// One element: its tag, and where it lies whole and where its content lies.
    struct Element {
        var tag: UInt8
        var whole: Range<Int>
        var content: Range<Int>
    }

    /// The element at `offset`, which must end by `end`. Single-byte tags and definite lengths only, as DER
    /// certificates use.
    static func element(_ bytes: [UInt8], at offset: Int, end: Int) throws -> Element {
        guard offset >= 0, end <= bytes.count, offset + 2 <= end else { throw malformed("truncated element") }
        let tag = bytes[offset]
        guard tag & 0x1F != 0x1F else { throw malformed("multi-byte tag") }
        var index = offset + 1
        let first = bytes[index]
        index += 1
        var length = Int(first)
        if first >= 0x80 {
            let count = Int(first & 0x7F)
            guard count >= 1, count <= 4, index + count <= end else { throw malformed("bad length") }
            length = 0
            for _ in 0..<count {
                length = length << 8 | Int(bytes[index])
                index += 1
            }
        }
        guard length <= end - index else { throw malformed("element overruns its parent") }
        return Element(tag: tag, whole: offset..<(index + length), content: index..<(index + length))
    }

    /// The elements that make up `range`, in order.
    static func children(_ bytes: [UInt8], of range: Range<Int>) throws -> [Element] {
        var out: [Element] = []
        var offset = range.lowerBound
        while offset < range.upperBound {
            let next = try element(bytes, at: offset, end: range.upperBound)
            out.append(next)
            offset = next.whole.upperBound
        }
        return out
    }

    /// The fields of the TBSCertificate of a DER certificate.
    static func tbsFields(_ certificate: [UInt8]) throws -> [Element] {
        let outer = try element(certificate, at: 0, end: certificate.count)
        guard outer.tag == 0x30, outer.whole.upperBound == certificate.count else { throw malformed("not a certificate") }
        let tbs = try element(certificate, at: outer.content.lowerBound, end: outer.content.upperBound)
        guard tbs.tag == 0x30 else { throw malformed("no TBSCertificate") }
        return try children(certificate, of: tbs.content)
    }

    /// The `SubjectPublicKeyInfo` of a DER certificate: the field after [0] version (optional), serialNumber,
    /// signature, issuer, validity and subject.
    static func subjectPublicKeyInfo(_ certificate: [UInt8]) throws -> ArraySlice<UInt8> {
        let fields = try tbsFields(certificate)
        let index = fields.first?.tag == 0xA0 ? 6 : 5
        guard index < fields.count, fields[index].tag == 0x30 else { throw malformed("no subject public key info") }
        return certificate[fields[index].whole]
    }

    /// The TBSCertificate of a DER certificate with the extension `oid` taken out of its [3] extensions (RFC 6962
    /// §3.2), the lengths around it re-encoded; nil when the certificate has no such extension.
    static func tbsCertificate(_ certificate: [UInt8], removingExtension oid: ASN1ObjectIdentifier) throws -> [UInt8]? {
        let fields = try tbsFields(certificate)
        guard let wrapperIndex = fields.firstIndex(where: { $0.tag == 0xA3 }) else { return nil }
        let wrapper = fields[wrapperIndex]
        let list = try element(certificate, at: wrapper.content.lowerBound, end: wrapper.content.upperBound)
        guard list.tag == 0x30, list.whole == wrapper.content else { throw malformed("bad extensions") }
        var serializer = DER.Serializer()
        try serializer.serialize(oid)
        let wanted = serializer.serializedBytes[...]
        var removed: Range<Int>?
        for candidate in try children(certificate, of: list.content) {
            guard candidate.tag == 0x30 else { throw malformed("bad extension") }
            let id = try element(certificate, at: candidate.content.lowerBound, end: candidate.content.upperBound)
            guard id.tag == 0x06 else { throw malformed("extension without an OID") }
            if certificate[id.whole] == wanted {
                removed = candidate.whole
                break
            }
        }
        guard let removed else { return nil }
        let listLength = list.content.count - removed.count
        let listHeader = header(0x30, listLength)
        let wrapperLength = listHeader.count + listLength
        let wrapperHeader = header(0xA3, wrapperLength)
        let before = fields[..<wrapperIndex].reduce(0) { $0 + $1.whole.count }
        let after = fields[(wrapperIndex + 1)...].reduce(0) { $0 + $1.whole.count }
        let tbsLength = before + wrapperHeader.count + wrapperLength + after
        var out = header(0x30, tbsLength)
        out.reserveCapacity(out.count + tbsLength)
        if let first = fields.first { out += certificate[first.whole.lowerBound..<wrapper.whole.lowerBound] }
        out += wrapperHeader
        out += listHeader
        out += certificate[list.content.lowerBound..<removed.lowerBound]
        out += certificate[removed.upperBound..<list.content.upperBound]
        if let last = fields.last { out += certificate[wrapper.whole.upperBound..<last.whole.upperBound] }
        return out
    }

    /// A DER tag and definite length.
    static func header(_ tag: UInt8, _ length: Int) -> [UInt8] {
        if length < 0x80 { return [tag, UInt8(length)] }
        var bytes: [UInt8] = []
        var rest = length
        while rest > 0 {
            bytes.insert(UInt8(rest & 0xFF), at: 0)
            rest >>= 8
        }
        return [tag, 0x80 | UInt8(bytes.count)] + bytes
    }

    private static func malformed(_ why: String) -> ASN1Error {
        ASN1Error.invalidASN1Object(reason: "certificate: \(why)")
    }
}
