#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
public import SigstoreJSON
import SigstoreCore

/// A Sigstore bundle (`dev.sigstore.bundle.v1.Bundle`) in the protobuf JSON mapping, media types v0.1 to v0.3.
public struct SigstoreBundle: Decodable, Hashable, Sendable {
    /// The media type written for new bundles.
    public static let mediaTypeV03 = "application/vnd.dev.sigstore.bundle.v0.3+json"
    /// Every media type this library reads.
    public static let supportedMediaTypes: Set<String> = [
        "application/vnd.dev.sigstore.bundle+json;version=0.1",
        "application/vnd.dev.sigstore.bundle+json;version=0.2",
        "application/vnd.dev.sigstore.bundle+json;version=0.3",
        "application/vnd.dev.sigstore.bundle.v0.3+json",
    ]

    /// The bundle media type.
    public var mediaType: String
    /// Keys, certificates, log entries and timestamps that support the signature.
    public var verificationMaterial: VerificationMaterial
    /// The signature: over a message digest or a DSSE envelope.
    public var content: Content

    /// The signed content of a bundle.
    public enum Content: Hashable, Sendable {
        case messageSignature(MessageSignature)
        case dsseEnvelope(DSSEEnvelope)
    }

    /// Creates a bundle.
    public init(mediaType: String = SigstoreBundle.mediaTypeV03, verificationMaterial: VerificationMaterial, content: Content) {
        self.mediaType = mediaType
        self.verificationMaterial = verificationMaterial
        self.content = content
    }

    /// Parses bundle JSON, refusing unknown fields and media types.
    public init(jsonData: some Collection<UInt8>) throws {
        if jsonData.count >= Self.inPlacePayloadSize, jsonData.count <= Limits.maxDocumentBytes,
            let split = try jsonData.withContiguousStorageIfAvailable({ try Self.splitLargePayload($0) }) ?? nil
        {
            let payload = jsonData.withContiguousStorageIfAvailable { buffer in
                Base64.decode(bytes: UnsafeBufferPointer(rebasing: buffer[split.payload]))
            }
            guard let decoded = payload ?? nil else {
                throw BundleError(.malformed, "malformed bundle: dsseEnvelope.payload is not valid base64")
            }
            self = split.bundle.replacingPayload(with: decoded)
            return
        }
        self = try Self.decode(jsonData)
    }

    /// Parses bundle JSON it takes over (pass it with `consume`): a large DSSE payload is decoded into the document's
    /// own buffer, which then holds the payload alone, so the peak memory is the document's size; ``init(jsonData:)``
    /// holds the document and the decoded payload at once. The same checks as ``init(jsonData:)``.
    public init(ownedJSON jsonData: consuming [UInt8]) throws {
        var bytes = jsonData
        guard bytes.count >= Self.inPlacePayloadSize, bytes.count <= Limits.maxDocumentBytes,
            let split = try bytes.withUnsafeBufferPointer({ try Self.splitLargePayload($0) })
        else {
            self = try Self.decode(bytes)
            return
        }
        guard Base64.decodeInPlace(&bytes, range: split.payload) else {
            throw BundleError(.malformed, "malformed bundle: dsseEnvelope.payload is not valid base64")
        }
        self = split.bundle.replacingPayload(with: bytes)
    }

    /// From this size on, a DSSE payload is decoded straight from the document's bytes.
    static let inPlacePayloadSize = 1 << 20

    /// A large bundle's document without its DSSE payload's base64 text, decoded as usual, and where that text is in
    /// `buffer`: Foundation's decoder would hold the document, a String of the base64 text and the decoded payload at
    /// once, three times a large payload. Nil when the payload is not a plain string there.
    static func splitLargePayload(_ buffer: UnsafeBufferPointer<UInt8>) throws -> (bundle: SigstoreBundle, payload: Range<Int>)? {
        let located: Range<Int>?
        do {
            located = try JSONParser.validate(buffer, locatingPlainString: ["dsseEnvelope", "payload"])
        } catch {
            throw BundleError(.malformed, "malformed bundle: \(error.message)", underlying: error)
        }
        guard let range = located else { return nil }
        var rest = [UInt8]()
        rest.reserveCapacity(buffer.count - range.count)
        rest.append(contentsOf: buffer[..<range.lowerBound])
        rest.append(contentsOf: buffer[range.upperBound...])
        let bundle = try decode(rest)
        guard case .dsseEnvelope = bundle.content else { return nil }
        return (bundle, range)
    }

    /// This bundle with its DSSE envelope's payload replaced.
    private func replacingPayload(with payload: [UInt8]) -> SigstoreBundle {
        guard case .dsseEnvelope(var envelope) = content else { return self }
        var bundle = self
        envelope.payload = Base64Bytes(payload)
        bundle.content = .dsseEnvelope(envelope)
        return bundle
    }

    /// Compact JSON in protobuf field order.
    public func jsonData() -> [UInt8] { orderedJSON.serialized() }

    /// The minor version of the media type: 1, 2 or 3.
    public var minorVersion: Int {
        mediaType.hasSuffix("0.1") ? 1 : mediaType.hasSuffix("0.2") ? 2 : 3
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case mediaType, verificationMaterial, messageSignature, dsseEnvelope
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        mediaType = try c.decode(String.self, forKey: .mediaType)
        guard Self.supportedMediaTypes.contains(mediaType) else {
            throw BundleError(.unsupportedVersion, "unsupported bundle media type \"\(mediaType)\"")
        }
        verificationMaterial = try c.decode(VerificationMaterial.self, forKey: .verificationMaterial)
        let message = try c.decodeIfPresent(MessageSignature.self, forKey: .messageSignature)
        let envelope = try c.decodeIfPresent(DSSEEnvelope.self, forKey: .dsseEnvelope)
        switch (message, envelope) {
        case (let m?, nil): content = .messageSignature(m)
        case (nil, let e?): content = .dsseEnvelope(e)
        case (nil, nil): throw BundleError(.malformed, "malformed bundle: no messageSignature or dsseEnvelope")
        case (_?, _?): throw BundleError(.malformed, "malformed bundle: both messageSignature and dsseEnvelope")
        }
    }
}

/// `VerificationMaterial`: one of a public-key hint, a certificate chain or a single certificate, plus log entries and
/// timestamps.
public struct VerificationMaterial: Decodable, Hashable, Sendable {
    /// How the signer is identified.
    public enum Signer: Hashable, Sendable {
        /// A key the verifier must already have; the hint names it.
        case publicKey(hint: String?)
        /// DER certificates, leaf first (bundle v0.1/v0.2).
        case x509CertificateChain([Base64Bytes])
        /// One DER certificate (bundle v0.3).
        case certificate(Base64Bytes)
    }

    /// The signer identification.
    public var signer: Signer
    /// Transparency-log entries.
    public var tlogEntries: [TransparencyLogEntry]
    /// RFC 3161 timestamps and other verification data.
    public var timestampVerificationData: TimestampVerificationData?

    /// Creates verification material.
    public init(signer: Signer, tlogEntries: [TransparencyLogEntry] = [], timestampVerificationData: TimestampVerificationData? = nil) {
        self.signer = signer
        self.tlogEntries = tlogEntries
        self.timestampVerificationData = timestampVerificationData
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case publicKey, x509CertificateChain, certificate, tlogEntries, timestampVerificationData
    }
    struct Hint: Decodable {
        var hint: String?
        enum CodingKeys: String, CodingKey, CaseIterable { case hint }
        init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            hint = try decoder.container(keyedBy: CodingKeys.self).decodeIfPresent(String.self, forKey: .hint)
        }
    }
    struct Chain: Decodable {
        var certificates: [RawBytes]
        enum CodingKeys: String, CodingKey, CaseIterable { case certificates }
        init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            certificates = try decoder.container(keyedBy: CodingKeys.self)
                .decodeIfPresent([RawBytes].self, forKey: .certificates) ?? []
            guard certificates.count <= Limits.maxCertificates else {
                throw BundleError(.tooLarge, "certificate chain has more than \(Limits.maxCertificates) certificates")
            }
        }
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let key = try c.decodeIfPresent(Hint.self, forKey: .publicKey)
        let chain = try c.decodeIfPresent(Chain.self, forKey: .x509CertificateChain)
        let cert = try c.decodeIfPresent(RawBytes.self, forKey: .certificate)
        switch (key, chain, cert) {
        case (let k?, nil, nil): signer = .publicKey(hint: k.hint)
        case (nil, let ch?, nil): signer = .x509CertificateChain(ch.certificates.map(\.rawBytes))
        case (nil, nil, let ce?): signer = .certificate(ce.rawBytes)
        case (nil, nil, nil):
            throw BundleError(.malformed, "malformed bundle: verification material has no public key or certificate")
        default:
            throw BundleError(.malformed, "malformed bundle: verification material has more than one signer")
        }
        tlogEntries = try c.decodeIfPresent([TransparencyLogEntry].self, forKey: .tlogEntries) ?? []
        guard tlogEntries.count <= Limits.maxTlogEntries else {
            throw BundleError(.tooLarge, "bundle has more than \(Limits.maxTlogEntries) transparency log entries")
        }
        timestampVerificationData = try c.decodeIfPresent(TimestampVerificationData.self, forKey: .timestampVerificationData)
    }
}

/// `{"rawBytes": "<base64>"}`: an X.509 certificate in DER.
struct RawBytes: Decodable, Hashable, Sendable {
    var rawBytes: Base64Bytes
    enum CodingKeys: String, CodingKey, CaseIterable { case rawBytes }
    init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        rawBytes = try decoder.container(keyedBy: CodingKeys.self).decodeIfPresent(Base64Bytes.self, forKey: .rawBytes)
            ?? Base64Bytes([])
    }
}

/// `MessageSignature`: a signature over an artifact, with the artifact's digest.
public struct MessageSignature: Decodable, Hashable, Sendable {
    /// The digest of the artifact; optional in the spec.
    public var messageDigest: MessageDigest?
    /// The raw signature bytes.
    public var signature: Base64Bytes

    /// Creates a message signature.
    public init(messageDigest: MessageDigest?, signature: [UInt8]) {
        self.messageDigest = messageDigest
        self.signature = Base64Bytes(signature)
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case messageDigest, signature }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        messageDigest = try c.decodeIfPresent(MessageDigest.self, forKey: .messageDigest)
        signature = try c.decodeIfPresent(Base64Bytes.self, forKey: .signature) ?? Base64Bytes([])
    }
}

/// `HashOutput`: an algorithm name (`SHA2_256`) and digest bytes.
public struct MessageDigest: Decodable, Hashable, Sendable {
    /// The protobuf-specs algorithm name.
    public var algorithm: String
    /// The digest.
    public var digest: Base64Bytes

    /// Creates a digest value.
    public init(algorithm: String, digest: [UInt8]) {
        self.algorithm = algorithm
        self.digest = Base64Bytes(digest)
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case algorithm, digest }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        algorithm = try c.decodeIfPresent(String.self, forKey: .algorithm) ?? "HASH_ALGORITHM_UNSPECIFIED"
        digest = try c.decodeIfPresent(Base64Bytes.self, forKey: .digest) ?? Base64Bytes([])
    }
}

/// `TimestampVerificationData`: RFC 3161 signed timestamps.
public struct TimestampVerificationData: Decodable, Hashable, Sendable {
    /// DER `TimeStampResp` tokens.
    public var rfc3161Timestamps: [Base64Bytes]

    /// Creates timestamp data.
    public init(rfc3161Timestamps: [Base64Bytes]) { self.rfc3161Timestamps = rfc3161Timestamps }

    enum CodingKeys: String, CodingKey, CaseIterable { case rfc3161Timestamps }
    struct Signed: Decodable {
        var signedTimestamp: Base64Bytes
        enum CodingKeys: String, CodingKey, CaseIterable { case signedTimestamp }
        init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            signedTimestamp = try decoder.container(keyedBy: CodingKeys.self).decode(Base64Bytes.self, forKey: .signedTimestamp)
        }
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let list = try decoder.container(keyedBy: CodingKeys.self).decodeIfPresent([Signed].self, forKey: .rfc3161Timestamps) ?? []
        guard list.count <= Limits.maxTimestamps else {
            throw BundleError(.tooLarge, "bundle has more than \(Limits.maxTimestamps) RFC 3161 timestamps")
        }
        rfc3161Timestamps = list.map(\.signedTimestamp)
    }
}
