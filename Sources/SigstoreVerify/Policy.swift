#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif
public import SigstoreCrypto
import SigstoreCore

/// Matches a string exactly, by an unanchored regular expression (Go's `regexp.MatchString`), or both.
public struct StringMatcher: Sendable, CustomStringConvertible {
    /// The exact value required, if any.
    public let exact: String?
    /// The regular expression source, if any.
    public let pattern: String?
    nonisolated(unsafe) private let regex: Regex<AnyRegexOutput>?

    /// Creates a matcher from an exact value, a regular expression, or both.
    ///
    /// - Throws: ``VerificationError`` when neither is given (or both are empty: a matcher of nothing would accept any
    ///   signer, as an unset environment variable would), or when the pattern does not compile.
    public init(exact: String? = nil, pattern: String? = nil) throws {
        self.exact = exact.flatMap { $0.isEmpty ? nil : $0 }
        self.pattern = pattern.flatMap { $0.isEmpty ? nil : $0 }
        guard self.exact != nil || self.pattern != nil else {
            throw VerificationError(
                .identity, "an identity matcher needs a non-empty exact value or regular expression: an empty one would accept any signer")
        }
        if let p = self.pattern {
            do {
                regex = try Regex(p)
            } catch {
                throw VerificationError(.identity, "invalid regular expression \"\(p)\": \(error)")
            }
        } else {
            regex = nil
        }
    }

    /// Whether `value` satisfies every given condition.
    public func matches(_ value: String) -> Bool {
        if let exact, exact != value { return false }
        if let regex, (try? regex.firstMatch(in: value)) == nil { return false }
        return true
    }

    public var description: String {
        [exact.map { "\"\($0)\"" }, pattern.map { "matching \"\($0)\"" }].compactMap { $0 }.joined(separator: " and ")
    }
}

/// An expected certificate identity: subject alternative name, OIDC issuer and optional extension values.
public struct CertificateIdentity: Sendable {
    /// The SAN matcher.
    public var subjectAlternativeName: StringMatcher
    /// The issuer matcher.
    public var issuer: StringMatcher
    /// Expected values of raw Sigstore extensions (e.g. the GitHub workflow `.1.2`–`.1.6`), by OID arc `n` of
    /// `1.3.6.1.4.1.57264.1.n`.
    public var extensions: [UInt: String]

    /// Creates an identity.
    public init(subjectAlternativeName: StringMatcher, issuer: StringMatcher, extensions: [UInt: String] = [:]) {
        self.subjectAlternativeName = subjectAlternativeName
        self.issuer = issuer
        self.extensions = extensions
    }
}

/// The artifact a bundle is verified against.
public enum ArtifactInput: Sendable {
    /// The artifact's bytes (a memory-mapped file is fine).
    case data(Data)
    /// Only the artifact's digest.
    case digest(ArtifactDigest)
    /// Digests of the whole artifact, computed by the caller (e.g. streamed from a file): enough for every signature
    /// except a pure Ed25519 message signature, which needs ``data(_:)``.
    case digests([ArtifactDigest])
    /// No artifact: a DSSE envelope's subjects are not checked (sigstore-go's `WithoutArtifactUnsafe`, cosign's
    /// `--check-claims=false`). Message signatures cannot be verified this way.
    case none
}

/// What a bundle must satisfy besides the trusted root: the artifact, and who must have signed it.
public struct VerificationPolicy: Sendable {
    /// The artifact.
    public var artifact: ArtifactInput
    /// Certificate identities, any one of which must match. Required for certificate-signed bundles.
    public var identities: [CertificateIdentity]
    /// The public key for key-signed bundles.
    public var publicKey: PublicKey?

    /// A policy for a certificate-signed bundle.
    ///
    /// - Throws: ``VerificationError`` when `identities` is empty: a certificate-signed bundle is only as good as the
    ///   identity it is checked against.
    public init(artifact: ArtifactInput, identities: [CertificateIdentity]) throws {
        guard !identities.isEmpty else {
            throw VerificationError(.identity, "a policy for certificate-signed bundles needs at least one expected identity")
        }
        self.artifact = artifact
        self.identities = identities
        self.publicKey = nil
    }

    /// A policy for a key-signed bundle.
    public init(artifact: ArtifactInput, publicKey: PublicKey) {
        self.artifact = artifact
        self.identities = []
        self.publicKey = publicKey
    }
}

/// Thresholds and time sources, in the vocabulary of sigstore-go's verifier options.
public struct VerifierConfiguration: Sendable, Hashable {
    /// Distinct transparency logs whose entries must verify; 0 skips transparency-log checks.
    public var transparencyLogThreshold: Int
    /// Verified integrated times (entries with a verified inclusion promise) required.
    public var integratedTimestampThreshold: Int
    /// Verified RFC 3161 timestamps (distinct authorities) required; 0 ignores them.
    public var signedTimestampThreshold: Int
    /// Observer timestamps of either kind required: verified RFC 3161 timestamps plus integrated times of log entries
    /// whose inclusion promise verified (sigstore-go's `WithObserverTimestamps`). Rekor v1 bundles carry the second,
    /// Rekor v2 bundles the first, so 1 accepts both.
    public var observerTimestampThreshold: Int
    /// Distinct CT logs whose SCTs must verify for certificate-signed bundles; 0 skips SCTs.
    public var signedCertificateTimestampThreshold: Int
    /// Use the current time as an observer time.
    public var useCurrentTime: Bool
    /// Allow verification with no observer time at all (key-signed bundles).
    public var allowNoObserverTimestamps: Bool
    /// Accept an X.509 certificate chain (not just the leaf) in v0.3+ bundles (`--allow-certificate-chain`).
    public var allowCertificateChain = false
    /// SCTs given beside the certificate (cosign's `--sct`), each over the leaf as an X.509 entry. Every one must
    /// verify with a trusted CT log; with embedded SCTs both are checked, and the threshold counts distinct logs.
    public var detachedSCTs: [SignedCertificateTimestamp] = []

    /// Creates a configuration. The defaults verify what the Sigstore public-good instance issues today: one
    /// transparency log entry, one observer timestamp of either kind (Rekor v1's integrated time or a Rekor v2
    /// bundle's RFC 3161 timestamp), and one SCT for certificates.
    public init(
        transparencyLogThreshold: Int = 1, integratedTimestampThreshold: Int = 0, signedTimestampThreshold: Int = 0,
        observerTimestampThreshold: Int = 1, signedCertificateTimestampThreshold: Int = 1, useCurrentTime: Bool = false,
        allowNoObserverTimestamps: Bool = false
    ) {
        self.transparencyLogThreshold = transparencyLogThreshold
        self.integratedTimestampThreshold = integratedTimestampThreshold
        self.signedTimestampThreshold = signedTimestampThreshold
        self.observerTimestampThreshold = observerTimestampThreshold
        self.signedCertificateTimestampThreshold = signedCertificateTimestampThreshold
        self.useCurrentTime = useCurrentTime
        self.allowNoObserverTimestamps = allowNoObserverTimestamps
    }

    /// The options Go cosign derives from its flags (`pkg/cosign/verify.go verificationOptions`).
    public static func cosign(
        keyBased: Bool, ignoreTransparencyLog: Bool = false, ignoreSCT: Bool = false, useSignedTimestamps: Bool = false
    ) -> VerifierConfiguration {
        var c = VerifierConfiguration(
            transparencyLogThreshold: 0, observerTimestampThreshold: 0, signedCertificateTimestampThreshold: keyBased || ignoreSCT ? 0 : 1)
        if !ignoreTransparencyLog {
            c.transparencyLogThreshold = 1
            if !useSignedTimestamps {
                if keyBased { c.allowNoObserverTimestamps = true } else { c.integratedTimestampThreshold = 1 }
            }
        }
        if useSignedTimestamps { c.signedTimestampThreshold = 1 }
        if ignoreTransparencyLog && !useSignedTimestamps {
            if keyBased { c.allowNoObserverTimestamps = true } else { c.useCurrentTime = true }
        }
        return c
    }
}

/// What a successful verification established.
public struct VerificationResult: Sendable {
    /// A time some observer vouched for.
    public struct VerifiedTime: Sendable, Hashable {
        /// Where the time came from.
        public enum Source: Sendable, Hashable {
            /// A transparency log's integrated time (with a verified inclusion promise).
            case transparencyLog(String)
            /// An RFC 3161 timestamp from this authority.
            case timestampAuthority(String)
            /// The verifier's clock.
            case currentTime
        }
        /// The source.
        public var source: Source
        /// The time.
        public var time: Date
    }

    /// A transparency-log entry that verified.
    public struct LogEntry: Sendable, Hashable {
        /// The log's base URL.
        public var logURL: String
        /// The entry's index.
        public var logIndex: Int64
        /// The log's ID, hex.
        public var logID: String
        /// The integrated time, when the log records one.
        public var integratedTime: Date?
    }

    /// The certificate's identity, for certificate-signed bundles.
    public var subjectAlternativeName: String?
    /// The certificate's OIDC issuer.
    public var issuer: String?
    /// The verified signing certificate, for certificate-signed bundles.
    public var certificate: SigningCertificate?
    /// Observer times used to check the certificate.
    public var verifiedTimes: [VerifiedTime]
    /// Transparency-log entries that verified.
    public var logEntries: [LogEntry]
    /// For DSSE bundles: the verified payload type and payload.
    public var envelopePayload: (type: String, payload: [UInt8])?
}
