package import SwiftASN1

// The parts of CMS (RFC 5652) an RFC 3161 timestamp token uses, read by the verifier and written by the issuer.
// swift-certificates has CMS types too, but internal ones that accept only `id-data` content.

/// `ContentInfo ::= SEQUENCE { contentType, content [0] EXPLICIT ANY }`.
package struct ContentInfo: DERImplicitlyTaggable, Hashable, Sendable {
    package static var defaultIdentifier: ASN1Identifier { .sequence }

    /// What `content` is (`id-signedData` for a timestamp token).
    package var contentType: ASN1ObjectIdentifier
    /// The content.
    package var content: ASN1Any

    /// Wraps signed data.
    package init(signedData: SignedData) throws {
        contentType = OID.signedData
        content = try ASN1Any(erasing: signedData)
    }

    package init(derEncoded node: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        (contentType, content) = try DER.sequence(node, identifier: identifier) { nodes in
            let type = try ASN1ObjectIdentifier(derEncoded: &nodes)
            let content = try DER.explicitlyTagged(&nodes, tagNumber: 0, tagClass: .contextSpecific) { ASN1Any(derEncoded: $0) }
            return (type, content)
        }
    }

    package func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { coder in
            try coder.serialize(contentType)
            try coder.serialize(content, explicitlyTaggedWithTagNumber: 0, tagClass: .contextSpecific)
        }
    }
}

/// `SignedData` (RFC 5652 §5.1). Certificates are kept as their DER; CRLs are read and ignored.
package struct SignedData: DERImplicitlyTaggable, Hashable, Sendable {
    package static var defaultIdentifier: ASN1Identifier { .sequence }

    /// 3 when the content is not `id-data`.
    package var version: Int
    /// The digest algorithms the signers use.
    package var digestAlgorithms: [AlgorithmIdentifier]
    /// The signed content.
    package var encapContentInfo: EncapsulatedContentInfo
    /// Certificates that help find and chain the signer.
    package var certificates: [RawDER]?
    /// The signers (one for a timestamp token).
    package var signerInfos: [SignerInfo]

    /// Creates signed data.
    package init(
        version: Int, digestAlgorithms: [AlgorithmIdentifier], encapContentInfo: EncapsulatedContentInfo,
        certificates: [RawDER]?, signerInfos: [SignerInfo]
    ) {
        self.version = version
        self.digestAlgorithms = digestAlgorithms
        self.encapContentInfo = encapContentInfo
        self.certificates = certificates
        self.signerInfos = signerInfos
    }

    package init(derEncoded node: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(node, identifier: identifier) { nodes in
            let version = try Int(derEncoded: &nodes)
            guard let algorithms = nodes.next() else { throw ASN1Error.invalidASN1Object(reason: "no digest algorithms") }
            let digestAlgorithms = try DER.unorderedSet(of: AlgorithmIdentifier.self, identifier: .set, rootNode: algorithms)
            let encap = try EncapsulatedContentInfo(derEncoded: &nodes)
            let certificates = try DER.optionalImplicitlyTagged(&nodes, tagNumber: 0, tagClass: .contextSpecific) {
                try DER.unorderedSet(of: RawDER.self, identifier: $0.identifier, rootNode: $0)
            }
            _ = DER.optionalImplicitlyTagged(&nodes, tagNumber: 1, tagClass: .contextSpecific) { $0 }  // crls
            guard let signers = nodes.next() else { throw ASN1Error.invalidASN1Object(reason: "no signer infos") }
            let signerInfos = try DER.unorderedSet(of: SignerInfo.self, identifier: .set, rootNode: signers)
            return SignedData(
                version: version, digestAlgorithms: digestAlgorithms, encapContentInfo: encap, certificates: certificates,
                signerInfos: signerInfos)
        }
    }

    package func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { coder in
            try coder.serialize(version)
            try coder.serializeSetOf(digestAlgorithms)
            try coder.serialize(encapContentInfo)
            if let certificates {
                try coder.serializeSetOf(certificates, identifier: ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific))
            }
            try coder.serializeSetOf(signerInfos)
        }
    }
}

/// `EncapsulatedContentInfo ::= SEQUENCE { eContentType, eContent [0] EXPLICIT OCTET STRING OPTIONAL }`.
package struct EncapsulatedContentInfo: DERImplicitlyTaggable, Hashable, Sendable {
    package static var defaultIdentifier: ASN1Identifier { .sequence }

    /// What the content is (`id-ct-TSTInfo` for a timestamp token).
    package var contentType: ASN1ObjectIdentifier
    /// The content's octets (the DER `TSTInfo`), absent for detached signatures.
    package var content: [UInt8]?

    /// Creates the structure.
    package init(contentType: ASN1ObjectIdentifier, content: [UInt8]?) {
        self.contentType = contentType
        self.content = content
    }

    package init(derEncoded node: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(node, identifier: identifier) { nodes in
            let type = try ASN1ObjectIdentifier(derEncoded: &nodes)
            let content = try DER.optionalExplicitlyTagged(&nodes, tagNumber: 0, tagClass: .contextSpecific) {
                Array(try ASN1OctetString(derEncoded: $0).bytes)
            }
            return EncapsulatedContentInfo(contentType: type, content: content)
        }
    }

    package func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { coder in
            try coder.serialize(contentType)
            if let content {
                try coder.serialize(ASN1OctetString(contentBytes: content[...]), explicitlyTaggedWithTagNumber: 0, tagClass: .contextSpecific)
            }
        }
    }
}

/// How a `SignerInfo` names its certificate.
package enum SignerIdentifier: Hashable, Sendable {
    /// The issuer's `Name` and the serial number (`SignerInfo` version 1).
    case issuerAndSerialNumber(IssuerAndSerialNumber)
    /// The certificate's subject key identifier, `[0] IMPLICIT` (`SignerInfo` version 3).
    case subjectKeyIdentifier([UInt8])
}

/// `IssuerAndSerialNumber ::= SEQUENCE { issuer Name, serialNumber CertificateSerialNumber }`.
package struct IssuerAndSerialNumber: DERImplicitlyTaggable, Hashable, Sendable {
    package static var defaultIdentifier: ASN1Identifier { .sequence }

    /// The DER of the issuer's `Name`.
    package var issuer: RawDER
    /// The certificate's serial number.
    package var serialNumber: IntegerBytes

    /// Creates the structure.
    package init(issuer: RawDER, serialNumber: IntegerBytes) {
        self.issuer = issuer
        self.serialNumber = serialNumber
    }

    package init(derEncoded node: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(node, identifier: identifier) { nodes in
            guard let issuer = nodes.next() else { throw ASN1Error.invalidASN1Object(reason: "no issuer") }
            return IssuerAndSerialNumber(issuer: try RawDER(derEncoded: issuer), serialNumber: try IntegerBytes(derEncoded: &nodes))
        }
    }

    package func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { coder in
            try coder.serialize(issuer)
            try coder.serialize(serialNumber)
        }
    }
}

/// `Attribute ::= SEQUENCE { attrType, attrValues SET OF ANY }`.
package struct CMSAttribute: DERImplicitlyTaggable, Hashable, Sendable {
    package static var defaultIdentifier: ASN1Identifier { .sequence }

    /// The attribute's type.
    package var type: ASN1ObjectIdentifier
    /// Its values.
    package var values: [ASN1Any]

    /// An attribute with one value.
    package init(type: ASN1ObjectIdentifier, value: some DERSerializable) throws {
        self.type = type
        values = [try ASN1Any(erasing: value)]
    }

    private init(type: ASN1ObjectIdentifier, values: [ASN1Any]) {
        self.type = type
        self.values = values
    }

    package init(derEncoded node: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(node, identifier: identifier) { nodes in
            let type = try ASN1ObjectIdentifier(derEncoded: &nodes)
            guard let set = nodes.next() else { throw ASN1Error.invalidASN1Object(reason: "attribute without values") }
            return CMSAttribute(type: type, values: try DER.unorderedSet(of: ASN1Any.self, identifier: .set, rootNode: set))
        }
    }

    package func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { coder in
            try coder.serialize(type)
            try coder.serializeSetOf(values)
        }
    }
}

/// `SignerInfo` (RFC 5652 §5.3). The signed attributes are also kept as the exact bytes their signature covers.
package struct SignerInfo: DERImplicitlyTaggable, Hashable, Sendable {
    package static var defaultIdentifier: ASN1Identifier { .sequence }

    /// 1 with an issuer and serial number, 3 with a subject key identifier.
    package var version: Int
    /// The signer's certificate.
    package var signerIdentifier: SignerIdentifier
    /// The digest of the content and of the signed attributes.
    package var digestAlgorithm: AlgorithmIdentifier
    /// The signed attributes, when there are any.
    package var signedAttributes: [CMSAttribute]?
    /// The DER of the signed attributes as a `SET OF` (the `[0]` tag replaced by `0x31`): what the signature covers.
    package var signedAttributesDER: [UInt8]?
    /// The signature algorithm.
    package var signatureAlgorithm: AlgorithmIdentifier
    /// The signature.
    package var signature: [UInt8]

    /// A signer named by issuer and serial number, over signed attributes (written in DER order).
    package init(
        issuerAndSerialNumber: IssuerAndSerialNumber, digestAlgorithm: AlgorithmIdentifier,
        signedAttributes: [CMSAttribute], signatureAlgorithm: AlgorithmIdentifier, signature: [UInt8]
    ) throws {
        version = 1
        signerIdentifier = .issuerAndSerialNumber(issuerAndSerialNumber)
        self.digestAlgorithm = digestAlgorithm
        self.signedAttributes = signedAttributes
        signedAttributesDER = try Self.signedBytes(of: signedAttributes)
        self.signatureAlgorithm = signatureAlgorithm
        self.signature = signature
    }

    /// The bytes a signature over `attributes` covers: their DER `SET OF`, sorted.
    package static func signedBytes(of attributes: [CMSAttribute]) throws -> [UInt8] {
        var coder = DER.Serializer()
        try coder.serializeSetOf(attributes)
        return coder.serializedBytes
    }

    package init(derEncoded node: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        let signedTag = ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific)
        self = try DER.sequence(node, identifier: identifier) { nodes in
            var info = SignerInfo(
                version: try Int(derEncoded: &nodes), signerIdentifier: try Self.signerIdentifier(&nodes),
                digestAlgorithm: try AlgorithmIdentifier(derEncoded: &nodes))
            if let attributes = DER.optionalImplicitlyTagged(&nodes, tagNumber: 0, tagClass: .contextSpecific, { $0 }) {
                info.signedAttributes = try DER.unorderedSet(of: CMSAttribute.self, identifier: signedTag, rootNode: attributes)
                info.signedAttributesDER = [0x31] + Array(attributes.encodedBytes.dropFirst())
            }
            info.signatureAlgorithm = try AlgorithmIdentifier(derEncoded: &nodes)
            info.signature = Array(try ASN1OctetString(derEncoded: &nodes).bytes)
            _ = DER.optionalImplicitlyTagged(&nodes, tagNumber: 1, tagClass: .contextSpecific) { $0 }  // unsigned attributes
            return info
        }
    }

    private init(version: Int, signerIdentifier: SignerIdentifier, digestAlgorithm: AlgorithmIdentifier) {
        self.version = version
        self.signerIdentifier = signerIdentifier
        self.digestAlgorithm = digestAlgorithm
        signatureAlgorithm = digestAlgorithm
        signature = []
    }

    private static func signerIdentifier(_ nodes: inout ASN1NodeCollection.Iterator) throws -> SignerIdentifier {
        guard let node = nodes.next() else { throw ASN1Error.invalidASN1Object(reason: "no signer identifier") }
        switch node.identifier {
        case .sequence:
            return .issuerAndSerialNumber(try IssuerAndSerialNumber(derEncoded: node))
        case ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific):
            guard case .primitive(let keyIdentifier) = node.content else {
                throw ASN1Error.invalidASN1Object(reason: "constructed subject key identifier")
            }
            return .subjectKeyIdentifier(Array(keyIdentifier))
        default:
            throw ASN1Error.unexpectedFieldType(node.identifier)
        }
    }

    package func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { coder in
            try coder.serialize(version)
            switch signerIdentifier {
            case .issuerAndSerialNumber(let ias): try coder.serialize(ias)
            case .subjectKeyIdentifier(let ski):
                coder.appendPrimitiveNode(identifier: ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific)) {
                    $0.append(contentsOf: ski)
                }
            }
            try coder.serialize(digestAlgorithm)
            if let signedAttributes {
                try coder.serializeSetOf(signedAttributes, identifier: ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific))
            }
            try coder.serialize(signatureAlgorithm)
            try coder.serialize(ASN1OctetString(contentBytes: signature[...]))
        }
    }
}
