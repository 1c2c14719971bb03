#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif
import SigstoreJSON
import SigstoreCore

/// A Sigstore trusted root (`dev.sigstore.trustroot.v1.TrustedRoot`, media type v0.1): the transparency logs,
/// certificate authorities, CT logs and timestamp authorities a verifier trusts.
///
/// Parsing is strict: unknown fields, unknown media types, bad base64 and bad timestamps are refused.
public struct TrustedRoot: Decodable, Hashable, Sendable {
    /// The media type this library reads.
    public static let mediaTypeV01 = "application/vnd.dev.sigstore.trustedroot+json;version=0.1"

    /// The document's media type.
    public var mediaType: String
    /// Transparency logs (Rekor v1 and v2).
    public var tlogs: [TransparencyLogInstance]
    /// Fulcio certificate authorities.
    public var certificateAuthorities: [CertificateAuthority]
    /// Certificate Transparency logs (for SCTs).
    public var ctlogs: [TransparencyLogInstance]
    /// RFC 3161 timestamp authorities.
    public var timestampAuthorities: [CertificateAuthority]

    /// A trusted root (media type v0.1) listing these services.
    public init(
        tlogs: [TransparencyLogInstance] = [], certificateAuthorities: [CertificateAuthority] = [],
        ctlogs: [TransparencyLogInstance] = [], timestampAuthorities: [CertificateAuthority] = []
    ) {
        mediaType = Self.mediaTypeV01
        self.tlogs = tlogs
        self.certificateAuthorities = certificateAuthorities
        self.ctlogs = ctlogs
        self.timestampAuthorities = timestampAuthorities
    }

    /// Parses `trusted_root.json`.
    public init(jsonData: some Collection<UInt8>) throws {
        self = try decodeDocument(TrustedRoot.self, from: jsonData, what: "trusted root")
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case mediaType, tlogs, certificateAuthorities, ctlogs, timestampAuthorities
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        mediaType = try c.decode(String.self, forKey: .mediaType)
        guard mediaType == Self.mediaTypeV01 else {
            throw BundleError(.unsupportedVersion, "unsupported trusted root media type \"\(mediaType)\"")
        }
        tlogs = try c.decodeIfPresent([TransparencyLogInstance].self, forKey: .tlogs) ?? []
        certificateAuthorities = try c.decodeIfPresent([CertificateAuthority].self, forKey: .certificateAuthorities) ?? []
        ctlogs = try c.decodeIfPresent([TransparencyLogInstance].self, forKey: .ctlogs) ?? []
        timestampAuthorities = try c.decodeIfPresent([CertificateAuthority].self, forKey: .timestampAuthorities) ?? []
        let total = tlogs.count + certificateAuthorities.count + ctlogs.count + timestampAuthorities.count
        guard total <= 256 else { throw BundleError(.tooLarge, "trusted root lists more than 256 services") }
    }
}

/// A validity window; either end may be open. Both ends are inclusive.
public struct TimeRange: Decodable, Hashable, Sendable {
    /// The start, if any.
    public var start: Date?
    /// The end, if any.
    public var end: Date?

    /// Creates a window.
    public init(start: Date?, end: Date?) {
        self.start = start
        self.end = end
    }

    /// Whether `date` lies in the window, ends included.
    public func contains(_ date: Date) -> Bool {
        if let start, date < start { return false }
        if let end, date > end { return false }
        return true
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case start, end }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        start = try c.decodeIfPresent(String.self, forKey: .start).map { try Self.parse($0, decoder: decoder) }
        end = try c.decodeIfPresent(String.self, forKey: .end).map { try Self.parse($0, decoder: decoder) }
    }

    /// Formats a date as RFC 3339 in UTC, whole seconds (`2026-11-30T21:52:00Z`).
    public static func formatRFC3339(_ date: Date) -> String {
        Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down)).formatted(Date.ISO8601FormatStyle())
    }

    /// Parses an RFC 3339 timestamp as the protobuf JSON mapping writes it (fractional seconds optional).
    public static func parseRFC3339(_ text: String) -> Date? {
        if let date = try? Date.ISO8601FormatStyle().parse(text) { return date }
        return try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text)
    }

    private static func parse(_ text: String, decoder: any Decoder) throws -> Date {
        guard let date = parseRFC3339(text) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "\"\(text)\" is not an RFC 3339 timestamp"))
        }
        return date
    }
}

/// A public key with its algorithm and validity (`dev.sigstore.common.v1.PublicKey`).
public struct PublicKeyMaterial: Decodable, Hashable, Sendable {
    /// PKIX DER (or raw Ed25519) key bytes.
    public var rawBytes: [UInt8]
    /// The protobuf-specs `PublicKeyDetails` name, e.g. `PKIX_ECDSA_P256_SHA_256`.
    public var keyDetails: String
    /// When the key was valid.
    public var validFor: TimeRange?

    /// A key with its protobuf-specs details name and validity.
    public init(rawBytes: [UInt8], keyDetails: String, validFor: TimeRange?) {
        self.rawBytes = rawBytes
        self.keyDetails = keyDetails
        self.validFor = validFor
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case rawBytes, keyDetails, validFor }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        rawBytes = try c.decodeIfPresent(Base64Bytes.self, forKey: .rawBytes)?.bytes ?? []
        keyDetails = try c.decodeIfPresent(String.self, forKey: .keyDetails) ?? "PUBLIC_KEY_DETAILS_UNSPECIFIED"
        validFor = try c.decodeIfPresent(TimeRange.self, forKey: .validFor)
    }
}

/// A transparency or CT log (`TransparencyLogInstance`).
public struct TransparencyLogInstance: Decodable, Hashable, Sendable {
    /// The log's base URL.
    public var baseURL: String
    /// The hash used by the log's Merkle tree (`SHA2_256`).
    public var hashAlgorithm: String
    /// The log's key.
    public var publicKey: PublicKeyMaterial
    /// The log id (SHA-256 of the key for Rekor v1 and CT logs).
    public var logID: [UInt8]
    /// The key id used in signed checkpoints (Rekor v2), when given.
    public var checkpointKeyID: [UInt8]?
    /// The operator, for information.
    public var `operator`: String?

    /// A log whose Merkle tree hashes with SHA-256.
    public init(
        baseURL: String, publicKey: PublicKeyMaterial, logID: [UInt8], checkpointKeyID: [UInt8]? = nil,
        operator: String? = nil
    ) {
        self.baseURL = baseURL
        hashAlgorithm = "SHA2_256"
        self.publicKey = publicKey
        self.logID = logID
        self.checkpointKeyID = checkpointKeyID
        self.operator = `operator`
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case baseUrl, hashAlgorithm, publicKey, logId, checkpointKeyId, `operator`
    }
    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        baseURL = try c.decodeIfPresent(String.self, forKey: .baseUrl) ?? ""
        hashAlgorithm = try c.decodeIfPresent(String.self, forKey: .hashAlgorithm) ?? "HASH_ALGORITHM_UNSPECIFIED"
        publicKey = try c.decode(PublicKeyMaterial.self, forKey: .publicKey)
        logID = try c.decode(LogIDJSON.self, forKey: .logId).keyId.bytes
        checkpointKeyID = try c.decodeIfPresent(LogIDJSON.self, forKey: .checkpointKeyId)?.keyId.bytes
        `operator` = try c.decodeIfPresent(String.self, forKey: .operator)
    }
}

/// A certificate authority or timestamp authority (`CertificateAuthority`).
public struct CertificateAuthority: Decodable, Hashable, Sendable {
    /// Subject organization, for information.
    public var organization: String?
    /// Subject common name, for information.
    public var commonName: String?
    /// The service URI.
    public var uri: String?
    /// DER certificates, leaf or intermediate first, root last.
    public var certificateChain: [[UInt8]]
    /// When the authority was valid.
    public var validFor: TimeRange?
    /// The operator, for information.
    public var `operator`: String?

    /// An authority with its chain (DER certificates, leaf or intermediate first, root last).
    public init(
        organization: String?, commonName: String?, uri: String?, certificateChain: [[UInt8]], validFor: TimeRange?,
        operator: String? = nil
    ) {
        self.organization = organization
        self.commonName = commonName
        self.uri = uri
        self.certificateChain = certificateChain
        self.validFor = validFor
        self.operator = `operator`
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case subject, uri, certChain, validFor, `operator` }
    struct Subject: Decodable {
        var organization: String?
        var commonName: String?
        enum CodingKeys: String, CodingKey, CaseIterable { case organization, commonName }
        init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            organization = try c.decodeIfPresent(String.self, forKey: .organization)
            commonName = try c.decodeIfPresent(String.self, forKey: .commonName)
        }
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let subject = try c.decodeIfPresent(Subject.self, forKey: .subject)
        organization = subject?.organization
        commonName = subject?.commonName
        uri = try c.decodeIfPresent(String.self, forKey: .uri)
        let chain = try c.decodeIfPresent(VerificationMaterial.Chain.self, forKey: .certChain)
        certificateChain = chain?.certificates.map(\.rawBytes.bytes) ?? []
        validFor = try c.decodeIfPresent(TimeRange.self, forKey: .validFor)
        `operator` = try c.decodeIfPresent(String.self, forKey: .operator)
    }
}
