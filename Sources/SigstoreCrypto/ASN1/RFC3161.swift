package import SwiftASN1

// RFC 3161 (time-stamp protocol) and RFC 5035 (ESS signing-certificate v2) structures, read by the verifier and
// written by the issuer.

/// `MessageImprint ::= SEQUENCE { hashAlgorithm AlgorithmIdentifier, hashedMessage OCTET STRING }`.
package struct MessageImprint: DERImplicitlyTaggable, Hashable, Sendable {
    package static var defaultIdentifier: ASN1Identifier { .sequence }

    /// The hash, with its parameters as the requester wrote them.
    package var hashAlgorithm: AlgorithmIdentifier
    /// The hash of the time-stamped data.
    package var hashedMessage: [UInt8]

    /// Creates an imprint.
    package init(hashAlgorithm: AlgorithmIdentifier, hashedMessage: [UInt8]) {
        self.hashAlgorithm = hashAlgorithm
        self.hashedMessage = hashedMessage
    }

    package init(derEncoded node: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(node, identifier: identifier) { nodes in
            MessageImprint(
                hashAlgorithm: try AlgorithmIdentifier(derEncoded: &nodes),
                hashedMessage: Array(try ASN1OctetString(derEncoded: &nodes).bytes))
        }
    }

    package func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { coder in
            try coder.serialize(hashAlgorithm)
            try coder.serialize(ASN1OctetString(contentBytes: hashedMessage[...]))
        }
    }
}

/// `TimeStampReq` (RFC 3161 §2.4.1).
package struct TimeStampReq: DERImplicitlyTaggable, Hashable, Sendable {
    package static var defaultIdentifier: ASN1Identifier { .sequence }

    /// 1.
    package var version: Int
    /// What to time-stamp.
    package var messageImprint: MessageImprint
    /// The policy the requester asks for.
    package var reqPolicy: ASN1ObjectIdentifier?
    /// A nonce to echo.
    package var nonce: IntegerBytes?
    /// Whether the token should carry the TSA's certificate.
    package var certReq: Bool
    /// Whether the request carries extensions (`[0] IMPLICIT Extensions`).
    package var hasExtensions: Bool

    /// Creates a request.
    package init(messageImprint: MessageImprint, reqPolicy: ASN1ObjectIdentifier? = nil, nonce: IntegerBytes?, certReq: Bool) {
        version = 1
        self.messageImprint = messageImprint
        self.reqPolicy = reqPolicy
        self.nonce = nonce
        self.certReq = certReq
        hasExtensions = false
    }

    package init(derEncoded node: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(node, identifier: identifier) { nodes in
            var request = TimeStampReq(
                messageImprint: MessageImprint(hashAlgorithm: AlgorithmIdentifier(algorithm: OID.sha256), hashedMessage: []),
                nonce: nil, certReq: false)
            request.version = try Int(derEncoded: &nodes)
            request.messageImprint = try MessageImprint(derEncoded: &nodes)
            request.reqPolicy = try DER.optionalImplicitlyTagged(&nodes)
            request.nonce = try DER.optionalImplicitlyTagged(&nodes)
            request.certReq = try DER.optionalImplicitlyTagged(&nodes, tag: .boolean) ?? false
            request.hasExtensions = DER.optionalImplicitlyTagged(&nodes, tagNumber: 0, tagClass: .contextSpecific) { _ in true } ?? false
            return request
        }
    }

    package func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { coder in
            try coder.serialize(version)
            try coder.serialize(messageImprint)
            try coder.serializeOptionalImplicitlyTagged(reqPolicy)
            try coder.serializeOptionalImplicitlyTagged(nonce)
            if certReq { try coder.serialize(true) }
        }
    }
}

/// `PKIStatusInfo ::= SEQUENCE { status PKIStatus, statusString PKIFreeText OPTIONAL, failInfo PKIFailureInfo OPTIONAL }`.
package struct PKIStatusInfo: DERImplicitlyTaggable, Hashable, Sendable {
    package static var defaultIdentifier: ASN1Identifier { .sequence }

    /// 0 granted, 1 granted with modifications, 2 rejection, 3 waiting, 4–5 revocation.
    package var status: Int

    /// A status without text or failure bits.
    package init(status: Int) { self.status = status }

    package init(derEncoded node: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        status = try DER.sequence(node, identifier: identifier) { nodes in
            let status = try Int(derEncoded: &nodes)
            while nodes.next() != nil {}  // statusString and failInfo explain a refusal; nothing reads them
            return status
        }
    }

    package func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { try $0.serialize(status) }
    }
}

/// `TimeStampResp ::= SEQUENCE { status PKIStatusInfo, timeStampToken ContentInfo OPTIONAL }`.
package struct TimeStampResp: DERImplicitlyTaggable, Hashable, Sendable {
    package static var defaultIdentifier: ASN1Identifier { .sequence }

    /// Whether the request was granted.
    package var status: PKIStatusInfo
    /// The token: a CMS `SignedData` over a `TSTInfo`.
    package var timeStampToken: ContentInfo?

    /// Creates a response.
    package init(status: PKIStatusInfo, timeStampToken: ContentInfo?) {
        self.status = status
        self.timeStampToken = timeStampToken
    }

    package init(derEncoded node: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(node, identifier: identifier) { nodes in
            TimeStampResp(status: try PKIStatusInfo(derEncoded: &nodes), timeStampToken: try DER.optionalImplicitlyTagged(&nodes))
        }
    }

    package func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { coder in
            try coder.serialize(status)
            try coder.serializeOptionalImplicitlyTagged(timeStampToken)
        }
    }
}

/// `Accuracy ::= SEQUENCE { seconds INTEGER OPTIONAL, millis [0] INTEGER OPTIONAL, micros [1] INTEGER OPTIONAL }`.
package struct Accuracy: DERImplicitlyTaggable, Hashable, Sendable {
    package static var defaultIdentifier: ASN1Identifier { .sequence }

    package var seconds: Int?
    package var millis: Int?
    package var micros: Int?

    /// Creates an accuracy.
    package init(seconds: Int? = nil, millis: Int? = nil, micros: Int? = nil) {
        self.seconds = seconds
        self.millis = millis
        self.micros = micros
    }

    package init(derEncoded node: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(node, identifier: identifier) { nodes in
            Accuracy(
                seconds: try DER.optionalImplicitlyTagged(&nodes),
                millis: try DER.optionalImplicitlyTagged(&nodes, tag: ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific)),
                micros: try DER.optionalImplicitlyTagged(&nodes, tag: ASN1Identifier(tagWithNumber: 1, tagClass: .contextSpecific)))
        }
    }

    package func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { coder in
            try coder.serializeOptionalImplicitlyTagged(seconds)
            try coder.serializeOptionalImplicitlyTagged(millis, withIdentifier: ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific))
            try coder.serializeOptionalImplicitlyTagged(micros, withIdentifier: ASN1Identifier(tagWithNumber: 1, tagClass: .contextSpecific))
        }
    }
}

/// `TSTInfo` (RFC 3161 §2.4.2): what the authority asserts.
package struct TSTInfo: DERImplicitlyTaggable, Hashable, Sendable {
    package static var defaultIdentifier: ASN1Identifier { .sequence }

    /// 1.
    package var version: Int
    /// The authority's policy.
    package var policy: ASN1ObjectIdentifier
    /// The hash of the time-stamped data.
    package var messageImprint: MessageImprint
    /// The token's serial number.
    package var serialNumber: IntegerBytes
    /// The time asserted.
    package var genTime: GeneralizedTime
    /// How far `genTime` may be off.
    package var accuracy: Accuracy?
    /// Whether tokens of this authority are ordered by `genTime` alone.
    package var ordering: Bool
    /// The request's nonce, echoed.
    package var nonce: IntegerBytes?
    /// The authority's name, a `GeneralName` (`[0] EXPLICIT`).
    package var tsa: RawDER?

    /// Creates the structure.
    package init(
        policy: ASN1ObjectIdentifier, messageImprint: MessageImprint, serialNumber: IntegerBytes, genTime: GeneralizedTime,
        accuracy: Accuracy?, nonce: IntegerBytes?, tsa: RawDER?
    ) {
        version = 1
        self.policy = policy
        self.messageImprint = messageImprint
        self.serialNumber = serialNumber
        self.genTime = genTime
        self.accuracy = accuracy
        ordering = false
        self.nonce = nonce
        self.tsa = tsa
    }

    package init(derEncoded node: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(node, identifier: identifier) { nodes in
            let version = try Int(derEncoded: &nodes)
            var info = TSTInfo(
                policy: try ASN1ObjectIdentifier(derEncoded: &nodes), messageImprint: try MessageImprint(derEncoded: &nodes),
                serialNumber: try IntegerBytes(derEncoded: &nodes), genTime: try GeneralizedTime(derEncoded: &nodes),
                accuracy: try DER.optionalImplicitlyTagged(&nodes), nonce: nil, tsa: nil)
            info.version = version
            // DER omits `ordering` when FALSE; some authorities write it anyway, which is harmless.
            info.ordering = try DER.optionalImplicitlyTagged(&nodes, tag: .boolean) ?? false
            info.nonce = try DER.optionalImplicitlyTagged(&nodes)
            info.tsa = try DER.optionalExplicitlyTagged(&nodes, tagNumber: 0, tagClass: .contextSpecific) { try RawDER(derEncoded: $0) }
            // Extensions ([1]) and anything a later version adds are not read.
            while nodes.next() != nil {}
            return info
        }
    }

    package func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { coder in
            try coder.serialize(version)
            try coder.serialize(policy)
            try coder.serialize(messageImprint)
            try coder.serialize(serialNumber)
            try coder.serialize(genTime)
            try coder.serializeOptionalImplicitlyTagged(accuracy)
            if ordering { try coder.serialize(true) }
            try coder.serializeOptionalImplicitlyTagged(nonce)
            if let tsa { try coder.serialize(tsa, explicitlyTaggedWithTagNumber: 0, tagClass: .contextSpecific) }
        }
    }
}

/// `IssuerSerial ::= SEQUENCE { issuer GeneralNames, serialNumber CertificateSerialNumber }` (RFC 5035).
package struct IssuerSerial: DERImplicitlyTaggable, Hashable, Sendable {
    package static var defaultIdentifier: ASN1Identifier { .sequence }

    /// The issuer's names, each a DER `GeneralName`.
    package var issuer: [RawDER]
    /// The certificate's serial number.
    package var serialNumber: IntegerBytes

    /// Creates the structure.
    package init(issuer: [RawDER], serialNumber: IntegerBytes) {
        self.issuer = issuer
        self.serialNumber = serialNumber
    }

    package init(derEncoded node: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(node, identifier: identifier) { nodes in
            IssuerSerial(issuer: try DER.sequence(of: RawDER.self, identifier: .sequence, nodes: &nodes), serialNumber: try IntegerBytes(derEncoded: &nodes))
        }
    }

    package func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { coder in
            try coder.serializeSequenceOf(issuer)
            try coder.serialize(serialNumber)
        }
    }
}

/// `ESSCertIDv2 ::= SEQUENCE { hashAlgorithm DEFAULT sha256, certHash OCTET STRING, issuerSerial OPTIONAL }`.
package struct ESSCertIDv2: DERImplicitlyTaggable, Hashable, Sendable {
    package static var defaultIdentifier: ASN1Identifier { .sequence }

    /// The hash of the certificate (SHA-256 unless said otherwise).
    package var hashAlgorithm: AlgorithmIdentifier
    /// The certificate's hash.
    package var certHash: [UInt8]
    /// The certificate's issuer and serial number.
    package var issuerSerial: IssuerSerial?

    /// Creates the structure.
    package init(hashAlgorithm: AlgorithmIdentifier = AlgorithmIdentifier(algorithm: OID.sha256), certHash: [UInt8], issuerSerial: IssuerSerial?) {
        self.hashAlgorithm = hashAlgorithm
        self.certHash = certHash
        self.issuerSerial = issuerSerial
    }

    package init(derEncoded node: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(node, identifier: identifier) { nodes in
            let algorithm = try DER.optionalImplicitlyTagged(&nodes, tag: AlgorithmIdentifier.defaultIdentifier) as AlgorithmIdentifier?
            return ESSCertIDv2(
                hashAlgorithm: algorithm ?? AlgorithmIdentifier(algorithm: OID.sha256),
                certHash: Array(try ASN1OctetString(derEncoded: &nodes).bytes), issuerSerial: try DER.optionalImplicitlyTagged(&nodes))
        }
    }

    package func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { coder in
            if hashAlgorithm.algorithm != OID.sha256 { try coder.serialize(hashAlgorithm) }
            try coder.serialize(ASN1OctetString(contentBytes: certHash[...]))
            try coder.serializeOptionalImplicitlyTagged(issuerSerial)
        }
    }
}

/// `SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2, policies OPTIONAL }` (RFC 5035 §3).
package struct SigningCertificateV2: DERImplicitlyTaggable, Hashable, Sendable {
    package static var defaultIdentifier: ASN1Identifier { .sequence }

    /// The signer's certificate first.
    package var certificates: [ESSCertIDv2]

    /// Creates the structure.
    package init(certificates: [ESSCertIDv2]) { self.certificates = certificates }

    package init(derEncoded node: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        certificates = try DER.sequence(node, identifier: identifier) { nodes in
            let certs = try DER.sequence(of: ESSCertIDv2.self, identifier: .sequence, nodes: &nodes)
            _ = nodes.next()  // policies
            return certs
        }
    }

    package func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { try $0.serializeSequenceOf(certificates) }
    }
}
