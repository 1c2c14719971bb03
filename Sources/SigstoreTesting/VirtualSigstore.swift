#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif
internal import Crypto
internal import SigstoreCrypto
internal import SigstoreModels
internal import SigstoreVerify
internal import SwiftASN1
public import X509
import SigstoreJSON

/// An in-memory Sigstore: a Fulcio-style CA, a CT log, a Rekor v1 log, a Rekor v2 log and an RFC 3161 TSA, all with
/// fresh keys, that produce valid bundles at a chosen time (in the spirit of sigstore-go's `VirtualSigstore`).
///
/// ``Fault`` breaks exactly one property of an otherwise valid bundle, so a test can show that the verifier check
/// guarding that property exists.
public struct VirtualSigstore: Sendable {
    /// The CA's root certificate and key.
    public let rootCertificate: Certificate
    /// The CA's intermediate certificate (issues leaves).
    public let intermediateCertificate: Certificate
    let intermediateKey: P256.Signing.PrivateKey
    let ctLogKey: P256.Signing.PrivateKey
    let rekorKey: P256.Signing.PrivateKey
    let rekorV2Key: Curve25519.Signing.PrivateKey
    let tsaRootCertificate: Certificate
    let tsaCertificate: Certificate
    let tsaKey: P256.Signing.PrivateKey
    let tsaRootKey: P256.Signing.PrivateKey
    /// Keys of a second, untrusted instance, used to inject faults.
    let rogueKey: P256.Signing.PrivateKey
    let rogueIntermediate: Certificate
    let rogueTSA: Certificate

    /// When the instance's keys and certificates start being valid.
    public let epoch: Date

    /// Base URLs written into the trusted root.
    public static let fulcioURL = "https://fulcio.virtual.test"
    public static let rekorURL = "https://rekor.virtual.test"
    public static let rekorV2URL = "https://rekor-v2.virtual.test"
    public static let rekorV2Host = "rekor-v2.virtual.test"
    public static let ctLogURL = "https://ctfe.virtual.test"
    public static let tsaURL = "https://tsa.virtual.test/api/v1/timestamp"
    static let rekorTreeID: UInt64 = 1_193_050_959_916_656_506

    /// Creates an instance whose certificates are valid from `epoch` for ten years.
    public init(epoch: Date = Date(timeIntervalSince1970: 1_700_000_000)) throws {
        self.epoch = epoch
        let end = epoch.addingTimeInterval(10 * 365 * 86400)
        let rootKey = P256.Signing.PrivateKey()
        rootCertificate = try Self.caCertificate(
            name: "virtual-root", key: rootKey, issuerName: "virtual-root", issuerKey: rootKey, from: epoch, to: end,
            pathLength: nil, eku: nil)
        intermediateKey = P256.Signing.PrivateKey()
        intermediateCertificate = try Self.caCertificate(
            name: "virtual-intermediate", key: intermediateKey, issuerName: "virtual-root", issuerKey: rootKey, from: epoch,
            to: end, pathLength: 0, eku: .codeSigning)
        ctLogKey = P256.Signing.PrivateKey()
        rekorKey = P256.Signing.PrivateKey()
        rekorV2Key = Curve25519.Signing.PrivateKey()
        tsaRootKey = P256.Signing.PrivateKey()
        tsaRootCertificate = try Self.caCertificate(
            name: "virtual-tsa-root", key: tsaRootKey, issuerName: "virtual-tsa-root", issuerKey: tsaRootKey, from: epoch,
            to: end, pathLength: nil, eku: nil)
        tsaKey = P256.Signing.PrivateKey()
        tsaCertificate = try Self.tsaLeaf(key: tsaKey, issuerKey: tsaRootKey, from: epoch, to: end, criticalEKU: true)
        rogueKey = P256.Signing.PrivateKey()
        rogueIntermediate = try Self.caCertificate(
            name: "virtual-intermediate", key: rogueKey, issuerName: "virtual-root", issuerKey: rogueKey, from: epoch,
            to: end, pathLength: 0, eku: .codeSigning)
        rogueTSA = try Self.tsaLeaf(key: rogueKey, issuerKey: rogueKey, from: epoch, to: end, criticalEKU: true)
    }

    // MARK: - Trusted root

    /// The `trusted_root.json` (v0.1) that trusts this instance. Without `listTSALeaf` the TSA chain holds only its
    /// root, so the TSA certificate embedded in a token is what gets checked.
    ///
    /// `validUntil` ends the validity window of the named services (`rekor`, `rekor-v2`, `ctlog`, `fulcio`, `tsa`).
    public func trustedRootJSON(listTSALeaf: Bool = true, validUntil: [String: Date] = [:]) -> [UInt8] {
        let start = Self.rfc3339(epoch)
        func window(_ service: String) -> String {
            guard let end = validUntil[service] else { return #"{"start":"\#(start)"}"# }
            return #"{"start":"\#(start)","end":"\#(Self.rfc3339(end))"}"#
        }
        func log(_ url: String, _ key: [UInt8], _ details: String, _ id: [UInt8], _ service: String) -> String {
            #"{"baseUrl":"\#(url)","hashAlgorithm":"SHA2_256","publicKey":{"rawBytes":"\#(Base64.encode(key))","keyDetails":"\#(details)","validFor":\#(window(service))},"logId":{"keyId":"\#(Base64.encode(id))"}}"#
        }
        func ca(_ name: String, _ url: String, _ certs: [Certificate], _ service: String) -> String {
            let chain = certs.map { #"{"rawBytes":"\#(Base64.encode(Self.der($0)))"}"# }.joined(separator: ",")
            return #"{"subject":{"organization":"virtual","commonName":"\#(name)"},"uri":"\#(url)","certChain":{"certificates":[\#(chain)]},"validFor":\#(window(service))}"#
        }
        let rekorSPKI = Array(rekorKey.publicKey.derRepresentation)
        let v2Key = v2PublicKey
        let json = """
            {"mediaType":"\(TrustedRoot.mediaTypeV01)",\
            "tlogs":[\(log(Self.rekorURL, rekorSPKI, "PKIX_ECDSA_P256_SHA_256", sha256(rekorSPKI), "rekor")),\
            \(log(Self.rekorV2URL, v2Key.derRepresentation, "PKIX_ED25519", SignedNote.keyID(name: Self.rekorV2Host, key: v2Key), "rekor-v2"))],\
            "certificateAuthorities":[\(ca("virtual-fulcio", Self.fulcioURL, [intermediateCertificate, rootCertificate], "fulcio"))],\
            "ctlogs":[\(log(Self.ctLogURL, Array(ctLogKey.publicKey.derRepresentation), "PKIX_ECDSA_P256_SHA_256", sha256(Array(ctLogKey.publicKey.derRepresentation)), "ctlog"))],\
            "timestampAuthorities":[\(ca("virtual-tsa", Self.tsaURL, listTSALeaf ? [tsaCertificate, tsaRootCertificate] : [tsaRootCertificate], "tsa"))]}
            """
        return Array(json.utf8)
    }

    var v2PublicKey: SigstoreCrypto.PublicKey {
        // An Ed25519 SPKI is a fixed 12-byte prefix and the raw key.
        let spki: [UInt8] = [0x30, 0x2A, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x03, 0x21, 0x00] + Array(rekorV2Key.publicKey.rawRepresentation)
        return try! SigstoreCrypto.PublicKey(derEncoded: spki)
    }

    // MARK: - Signing

    /// The signer's identity, written into the certificate's SAN.
    public enum Identity: Sendable, Hashable {
        case email(String)
        case uri(String)
    }

    /// Which transparency log records the signature.
    public enum Log: Sendable, Hashable {
        case rekorV1
        case rekorV2
        case none
    }

    /// One property of a valid bundle to break.
    public enum Fault: String, Sendable, Hashable, CaseIterable {
        /// The leaf is issued by a CA key the trusted root does not hold.
        case untrustedCertificateAuthority
        /// The leaf has no code-signing EKU.
        case leafWithoutCodeSigning
        /// The leaf's SCT is signed by a key the trusted root does not hold.
        case sctFromUntrustedLog
        /// The SCT signature covers different certificate data.
        case sctOverOtherCertificate
        /// The leaf carries no SCT at all.
        case noSCT
        /// The inclusion promise is signed by an untrusted key.
        case setFromUntrustedKey
        /// The inclusion promise covers a different integrated time.
        case setOverOtherTime
        /// The checkpoint is signed by an untrusted key.
        case checkpointFromUntrustedKey
        /// An inclusion-proof hash is corrupted.
        case inclusionProofCorrupted
        /// The checkpoint's root differs from the proof's.
        case checkpointRootMismatch
        /// The log entry records a different signature.
        case logEntrySignatureMismatch
        /// The log entry records a different artifact digest.
        case logEntryDigestMismatch
        /// The entry was integrated after the certificate expired.
        case integratedAfterCertificateExpiry
        /// The RFC 3161 imprint is over something else.
        case timestampImprintMismatch
        /// The RFC 3161 token is signed by an untrusted TSA.
        case timestampFromUntrustedTSA
        /// The TSA certificate's EKU is not critical.
        case timestampEKUNotCritical
        /// The timestamp lies after the signing certificate expired.
        case timestampAfterCertificateExpiry
        /// The signature covers a different artifact.
        case signatureOverOtherArtifact
        /// The DSSE statement's subject does not match the artifact.
        case dsseSubjectMismatch
        /// The DSSE payload type is not in-toto.
        case dssePayloadTypeWrong
        /// A Rekor v2 checkpoint's origin is not the log's host.
        case checkpointWrongOrigin
        /// The certificate is for a different identity.
        case otherIdentity
    }

    /// What to sign and how to log it.
    public struct Options: Sendable {
        /// When the signing happens (certificate notBefore, integrated time, timestamp).
        public var time: Date
        /// The certificate's identity.
        public var identity: Identity
        /// The certificate's OIDC issuer.
        public var issuer: String
        /// The log to record in.
        public var log: Log
        /// Whether to add an RFC 3161 timestamp.
        public var timestamp: Bool
        /// Sign an in-toto statement in a DSSE envelope instead of the artifact.
        public var dsse: Bool
        /// Faults to inject.
        public var faults: Set<Fault>

        /// Creates options.
        public init(
            time: Date, identity: Identity = .email("signer@example.com"), issuer: String = "https://issuer.example",
            log: Log = .rekorV1, timestamp: Bool = false, dsse: Bool = false, faults: Set<Fault> = []
        ) {
            self.time = time
            self.identity = identity
            self.issuer = issuer
            self.log = log
            self.timestamp = timestamp
            self.dsse = dsse
            self.faults = faults
        }
    }

    /// Signs `artifact` keylessly and returns the v0.3 bundle JSON.
    public func sign(_ artifact: [UInt8], options: Options) throws -> [UInt8] {
        let f = options.faults
        let signerKey = P256.Signing.PrivateKey()
        let leaf = try leafCertificate(for: signerKey, options: options)
        let leafDER = Self.der(leaf)

        // Content and signature.
        let signed = f.contains(.signatureOverOtherArtifact) ? artifact + [0x21] : artifact
        let artifactDigest = Array(SHA256.hash(data: artifact))
        var content: String
        var signature: [UInt8]
        var envelopeParts: (payload: [UInt8], type: String)?
        if options.dsse {
            var subject = Hex.encode(artifactDigest)
            if f.contains(.dsseSubjectMismatch) { subject = Hex.encode(SHA256.hash(data: Array("other".utf8))) }
            let payload = Array(
                #"{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"artifact","digest":{"sha256":"\#(subject)"}}],"predicateType":"https://cosign.sigstore.dev/attestation/v1","predicate":{}}"#
                    .utf8)
            let type = f.contains(.dssePayloadTypeWrong) ? "text/plain" : "application/vnd.in-toto+json"
            let pae = DSSEEnvelope.preAuthenticationEncoding(payloadType: type, payload: payload)
            signature = Array(try signerKey.signature(for: pae).derRepresentation)
            envelopeParts = (payload, type)
            content =
                #""dsseEnvelope":{"payload":"\#(Base64.encode(payload))","payloadType":"\#(type)","signatures":[{"sig":"\#(Base64.encode(signature))"}]}"#
        } else {
            signature = Array(try signerKey.signature(for: SHA256.hash(data: signed)).derRepresentation)
            content =
                #""messageSignature":{"messageDigest":{"algorithm":"SHA2_256","digest":"\#(Base64.encode(artifactDigest))"},"signature":"\#(Base64.encode(signature))"}"#
        }

        // Transparency log.
        var entries: [String] = []
        switch options.log {
        case .none: break
        case .rekorV1:
            entries.append(try rekorV1Entry(
                leafDER: leafDER, signature: signature, artifactDigest: artifactDigest, envelope: envelopeParts,
                options: options))
        case .rekorV2:
            let keyPub = try SigstoreCrypto.PublicKey(derEncoded: Array(signerKey.publicKey.derRepresentation))
            let digest: ArtifactDigest
            if let e = envelopeParts {
                digest = HashAlgorithm.sha256.digest(of: DSSEEnvelope.preAuthenticationEncoding(payloadType: e.type, payload: e.payload))
            } else {
                digest = try ArtifactDigest(algorithm: .sha256, bytes: artifactDigest)
            }
            let body = RekorV2Body.canonicalBody(
                digest: digest, signature: signature, verifier: .certificate(leafDER), keyKind: keyPub.kind)
            entries.append(try rekorV2Entry(body: body, options: options))
        }

        var timestamps = ""
        if options.timestamp {
            var genTime = options.time.addingTimeInterval(2)
            if f.contains(.timestampAfterCertificateExpiry) { genTime = options.time.addingTimeInterval(3600) }
            let imprint = f.contains(.timestampImprintMismatch) ? Array(SHA256.hash(data: signature + [1])) : Array(SHA256.hash(data: signature))
            let token = try timestampResponse(imprint: imprint, genTime: genTime, faults: f)
            timestamps = #","timestampVerificationData":{"rfc3161Timestamps":[{"signedTimestamp":"\#(Base64.encode(token))"}]}"#
        }
        let json = """
            {"mediaType":"\(SigstoreBundle.mediaTypeV03)","verificationMaterial":{"certificate":{"rawBytes":"\(Base64.encode(leafDER))"},\
            "tlogEntries":[\(entries.joined(separator: ","))]\(timestamps)},\(content)}
            """
        return Array(json.utf8)
    }

    // MARK: - Certificates

    func leafCertificate(for key: P256.Signing.PrivateKey, options: Options) throws -> Certificate {
        let f = options.faults
        let issuerKey = f.contains(.untrustedCertificateAuthority) ? rogueKey : intermediateKey
        let issuerCert = f.contains(.untrustedCertificateAuthority) ? rogueIntermediate : intermediateCertificate
        let publicKey = Certificate.PublicKey(key.publicKey)
        var identity = options.identity
        if f.contains(.otherIdentity) { identity = .email("mallory@example.com") }
        let san: GeneralName =
            switch identity {
            case .email(let e): .rfc822Name(e)
            case .uri(let u): .uniformResourceIdentifier(u)
            }
        let serial = Certificate.SerialNumber(bytes: [0x01] + (0..<15).map { _ in UInt8.random(in: 0...255) })
        let notAfter = options.time.addingTimeInterval(600)
        var base: [Certificate.Extension] = [
            try Certificate.Extension(KeyUsage(digitalSignature: true), critical: true),
        ]
        if !f.contains(.leafWithoutCodeSigning) {
            base.append(try Certificate.Extension(try ExtendedKeyUsage([.codeSigning]), critical: false))
        }
        base += [
            try Certificate.Extension(SubjectKeyIdentifier(hash: publicKey), critical: false),
            try Certificate.Extension(
                AuthorityKeyIdentifier(keyIdentifier: try issuerCert.extensions.subjectKeyIdentifier?.keyIdentifier),
                critical: false),
            try Certificate.Extension(SubjectAlternativeNames([san]), critical: true),
            Certificate.Extension(oid: SigstoreOID.issuerV1, critical: false, value: ArraySlice(options.issuer.utf8)),
            Certificate.Extension(
                oid: SigstoreOID.issuerV2, critical: false,
                value: ArraySlice(try derBytes(ASN1UTF8String(options.issuer)))),
        ]
        func make(_ extensions: [Certificate.Extension]) throws -> Certificate {
            try Certificate(
                version: .v3, serialNumber: serial, publicKey: publicKey, notValidBefore: options.time,
                notValidAfter: notAfter, issuer: issuerCert.subject, subject: DistinguishedName(),
                signatureAlgorithm: .ecdsaWithSHA256, extensions: try Certificate.Extensions(extensions),
                issuerPrivateKey: Certificate.PrivateKey(issuerKey))
        }
        if f.contains(.noSCT) { return try make(base) }
        // The SCT signs the TBS without the SCT list; the list is then appended as the last extension.
        let precert = try make(base)
        let issuerKeyHash = Array(SHA256.hash(data: Self.spki(issuerCert)))
        var tbs = Array(precert.tbsCertificateBytes)
        if f.contains(.sctOverOtherCertificate) { tbs[tbs.count - 1] ^= 0x01 }
        let logKey = f.contains(.sctFromUntrustedLog) ? rogueKey : ctLogKey
        let sct = try Self.sct(timestamp: options.time, issuerKeyHash: issuerKeyHash, tbs: tbs, key: logKey, logKeyForID: ctLogKey)
        let list = [UInt8((sct.count + 2) >> 8), UInt8((sct.count + 2) & 0xFF), UInt8(sct.count >> 8), UInt8(sct.count & 0xFF)] + sct
        let value = try derBytes(ASN1OctetString(contentBytes: ArraySlice(list)))
        return try make(base + [Certificate.Extension(oid: SigstoreOID.sctList, critical: false, value: ArraySlice(value))])
    }

    static func sct(timestamp: Date, issuerKeyHash: [UInt8], tbs: [UInt8], key: P256.Signing.PrivateKey, logKeyForID: P256.Signing.PrivateKey) throws -> [UInt8] {
        let ms = UInt64(timestamp.timeIntervalSince1970 * 1000)
        let logID = Array(SHA256.hash(data: logKeyForID.publicKey.derRepresentation))
        let sct = SignedCertificateTimestamp(
            version: 0, logID: logID, timestamp: ms, extensions: [], hashAlgorithm: 4, signatureAlgorithm: 3, signature: [])
        let signed = sct.signedData(issuerKeyHash: issuerKeyHash, tbsCertificate: tbs)
        let sig = Array(try key.signature(for: SHA256.hash(data: signed)).derRepresentation)
        var out: [UInt8] = [0] + logID + withUnsafeBytes(of: ms.bigEndian, Array.init) + [0, 0, 4, 3]
        out += [UInt8(sig.count >> 8), UInt8(sig.count & 0xFF)] + sig
        return out
    }

    static func caCertificate(
        name: String, key: P256.Signing.PrivateKey, issuerName: String, issuerKey: P256.Signing.PrivateKey, from: Date,
        to: Date, pathLength: Int?, eku: ExtendedKeyUsage.Usage?
    ) throws -> Certificate {
        let publicKey = Certificate.PublicKey(key.publicKey)
        let issuerPublic = Certificate.PublicKey(issuerKey.publicKey)
        var exts: [Certificate.Extension] = [
            try Certificate.Extension(BasicConstraints.isCertificateAuthority(maxPathLength: pathLength), critical: true),
            try Certificate.Extension(KeyUsage(keyCertSign: true, cRLSign: true), critical: true),
            try Certificate.Extension(SubjectKeyIdentifier(hash: publicKey), critical: false),
        ]
        if name != issuerName {
            exts.append(try Certificate.Extension(
                AuthorityKeyIdentifier(keyIdentifier: SubjectKeyIdentifier(hash: issuerPublic).keyIdentifier), critical: false))
        }
        if let eku { exts.append(try Certificate.Extension(try ExtendedKeyUsage([eku]), critical: false)) }
        return try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(bytes: [0x01, UInt8.random(in: 0...255), 0x42]),
            publicKey: publicKey, notValidBefore: from, notValidAfter: to,
            issuer: try DistinguishedName { OrganizationName("virtual"); CommonName(issuerName) },
            subject: try DistinguishedName { OrganizationName("virtual"); CommonName(name) },
            signatureAlgorithm: .ecdsaWithSHA256, extensions: try Certificate.Extensions(exts),
            issuerPrivateKey: Certificate.PrivateKey(issuerKey))
    }

    static func tsaLeaf(key: P256.Signing.PrivateKey, issuerKey: P256.Signing.PrivateKey, from: Date, to: Date, criticalEKU: Bool) throws -> Certificate {
        let publicKey = Certificate.PublicKey(key.publicKey)
        return try Certificate(
            // A serial with its high bit set: its DER INTEGER needs a leading 0x00, which the verifier must match.
            version: .v3, serialNumber: Certificate.SerialNumber(bytes: [0x00, 0x81, 0x77, UInt8.random(in: 0...255)]),
            publicKey: publicKey, notValidBefore: from, notValidAfter: to,
            issuer: try DistinguishedName { OrganizationName("virtual"); CommonName("virtual-tsa-root") },
            subject: try DistinguishedName { OrganizationName("virtual"); CommonName("virtual-tsa") },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions([
                try Certificate.Extension(KeyUsage(digitalSignature: true), critical: true),
                try Certificate.Extension(try ExtendedKeyUsage([.timeStamping]), critical: criticalEKU),
                try Certificate.Extension(SubjectKeyIdentifier(hash: publicKey), critical: false),
            ]),
            issuerPrivateKey: Certificate.PrivateKey(issuerKey))
    }

    // MARK: - Transparency logs

    /// A tree of `size` leaves with `leaf` at `index` and filler leaves elsewhere; returns the proof and root.
    public static func tree(leaf: [UInt8], index: Int, size: Int) -> (proof: [[UInt8]], root: [UInt8]) {
        var leaves = (0..<size).map { Merkle.leafHash(Array("filler-\($0)".utf8)) }
        leaves[index] = Merkle.leafHash(leaf)
        func mth(_ range: Range<Int>) -> [UInt8] {
            if range.count == 1 { return leaves[range.lowerBound] }
            var k = 1
            while k * 2 < range.count { k *= 2 }
            return Merkle.nodeHash(mth(range.lowerBound..<(range.lowerBound + k)), mth((range.lowerBound + k)..<range.upperBound))
        }
        func path(_ m: Int, _ range: Range<Int>) -> [[UInt8]] {
            if range.count == 1 { return [] }
            var k = 1
            while k * 2 < range.count { k *= 2 }
            let split = range.lowerBound + k
            if m < k { return path(m, range.lowerBound..<split) + [mth(split..<range.upperBound)] }
            return path(m - k, split..<range.upperBound) + [mth(range.lowerBound..<split)]
        }
        return (path(index, 0..<size), mth(0..<size))
    }

    func rekorV1Entry(
        leafDER: [UInt8], signature: [UInt8], artifactDigest: [UInt8], envelope: (payload: [UInt8], type: String)?,
        options: Options
    ) throws -> String {
        let f = options.faults
        let pem = Base64.encode(Array(PEMBlock(label: "CERTIFICATE", bytes: leafDER).pemString.utf8))
        let loggedSignature = f.contains(.logEntrySignatureMismatch) ? Array(SHA256.hash(data: signature)) : signature
        let body: String
        let kind: String
        if let envelope {
            kind = "dsse"
            let envelopeJSON =
                #"{"payload":"\#(Base64.encode(envelope.payload))","payloadType":"\#(envelope.type)","signatures":[{"sig":"\#(Base64.encode(signature))"}]}"#
            var payloadHash = Hex.encode(SHA256.hash(data: envelope.payload))
            if f.contains(.logEntryDigestMismatch) { payloadHash = Hex.encode(SHA256.hash(data: Array("x".utf8))) }
            body =
                #"{"apiVersion":"0.0.1","kind":"dsse","spec":{"envelopeHash":{"algorithm":"sha256","value":"\#(Hex.encode(SHA256.hash(data: Array(envelopeJSON.utf8))))"},"payloadHash":{"algorithm":"sha256","value":"\#(payloadHash)"},"signatures":[{"signature":"\#(Base64.encode(loggedSignature))","verifier":"\#(pem)"}]}}"#
        } else {
            kind = "hashedrekord"
            var digest = Hex.encode(artifactDigest)
            if f.contains(.logEntryDigestMismatch) { digest = Hex.encode(SHA256.hash(data: Array("x".utf8))) }
            body =
                #"{"apiVersion":"0.0.1","kind":"hashedrekord","spec":{"data":{"hash":{"algorithm":"sha256","value":"\#(digest)"}},"signature":{"content":"\#(Base64.encode(loggedSignature))","publicKey":{"content":"\#(pem)"}}}}"#
        }
        let bodyBytes = Array(body.utf8)
        let index = 5
        let size = 11
        let logIndex: Int64 = 1_000_000 + Int64(index)
        var integrated = Int64(options.time.timeIntervalSince1970) + 1
        if f.contains(.integratedAfterCertificateExpiry) { integrated += 3600 }
        let logID = Array(SHA256.hash(data: rekorKey.publicKey.derRepresentation))
        let setTime = f.contains(.setOverOtherTime) ? integrated + 1 : integrated
        let setPayload = Array(
            #"{"body":"\#(Base64.encode(bodyBytes))","integratedTime":\#(setTime),"logID":"\#(Hex.encode(logID))","logIndex":\#(logIndex)}"#.utf8)
        let setKey = f.contains(.setFromUntrustedKey) ? rogueKey : rekorKey
        let set = Array(try setKey.signature(for: SHA256.hash(data: setPayload)).derRepresentation)
        var (proof, root) = Self.tree(leaf: bodyBytes, index: index, size: size)
        if f.contains(.inclusionProofCorrupted) { proof[1][0] ^= 0xFF }
        var checkpointRoot = root
        if f.contains(.checkpointRootMismatch) { checkpointRoot = Array(SHA256.hash(data: root)) }
        let origin = "rekor.virtual.test - \(Self.rekorTreeID)"
        let text = "\(origin)\n\(size)\n\(Base64.encode(checkpointRoot))\nTimestamp: \(integrated)000000000\n"
        let noteKey = f.contains(.checkpointFromUntrustedKey) ? rogueKey : rekorKey
        let noteSig = Array(try noteKey.signature(for: SHA256.hash(data: Array(text.utf8))).derRepresentation)
        let checkpoint = text + "\n\u{2014} rekor.virtual.test \(Base64.encode(Array(logID.prefix(4)) + noteSig))\n"
        let rootHash = f.contains(.checkpointRootMismatch) ? root : root
        return #"{"logIndex":"\#(logIndex)","logId":{"keyId":"\#(Base64.encode(logID))"},"kindVersion":{"kind":"\#(kind)","version":"0.0.1"},"integratedTime":"\#(integrated)","inclusionPromise":{"signedEntryTimestamp":"\#(Base64.encode(set))"},"inclusionProof":{"logIndex":"\#(index)","rootHash":"\#(Base64.encode(rootHash))","treeSize":"\#(size)","hashes":[\#(proof.map { "\"\(Base64.encode($0))\"" }.joined(separator: ","))],"checkpoint":{"envelope":\#(Self.jsonString(checkpoint))}},"canonicalizedBody":"\#(Base64.encode(bodyBytes))"}"#
    }

    func rekorV2Entry(body: [UInt8], options: Options) throws -> String {
        let f = options.faults
        let index = 2
        let size = 7
        var (proof, root) = Self.tree(leaf: body, index: index, size: size)
        if f.contains(.inclusionProofCorrupted) { proof[0][0] ^= 0xFF }
        let host = Self.rekorV2Host
        let origin = f.contains(.checkpointWrongOrigin) ? "rekor-v2.other.test" : host
        if f.contains(.checkpointRootMismatch) { root = Array(SHA256.hash(data: root)) }
        let text = "\(origin)\n\(size)\n\(Base64.encode(root))\n"
        let keyID = SignedNote.keyID(name: host, key: v2PublicKey)
        let signer = f.contains(.checkpointFromUntrustedKey) ? Curve25519.Signing.PrivateKey() : rekorV2Key
        let sig = Array(try signer.signature(for: Array(text.utf8)))
        let checkpoint = text + "\n\u{2014} \(host) \(Base64.encode(Array(keyID.prefix(4)) + sig))\n"
        let logID = SignedNote.keyID(name: Self.rekorV2Host, key: v2PublicKey)
        return #"{"logIndex":"\#(index)","logId":{"keyId":"\#(Base64.encode(logID))"},"kindVersion":{"kind":"hashedrekord","version":"0.0.2"},"integratedTime":"0","inclusionPromise":null,"inclusionProof":{"logIndex":"\#(index)","rootHash":"\#(Base64.encode(root))","treeSize":"\#(size)","hashes":[\#(proof.map { "\"\(Base64.encode($0))\"" }.joined(separator: ","))],"checkpoint":{"envelope":\#(Self.jsonString(checkpoint))}},"canonicalizedBody":"\#(Base64.encode(body))"}"#
    }

    // MARK: - RFC 3161

    func timestampResponse(imprint: [UInt8], genTime: Date, faults f: Set<Fault>) throws -> [UInt8] {
        let untrusted = f.contains(.timestampFromUntrustedTSA)
        var cert = untrusted ? rogueTSA : tsaCertificate
        let key = untrusted ? rogueKey : tsaKey
        if f.contains(.timestampEKUNotCritical) {
            // The same key, issued by the trusted TSA root, with a non-critical EKU.
            cert = try Self.tsaLeaf(key: key, issuerKey: tsaRootKey, from: epoch, to: epoch.addingTimeInterval(86400 * 3650), criticalEKU: false)
        }
        let sha256OID = try oid([2, 16, 840, 1, 101, 3, 4, 2, 1])
        let sha256Alg = DER.tlv(0x30, sha256OID)
        let tstInfo = DER.tlv(0x30,
            DER.integer([1]) + (try oid([1, 3, 6, 1, 4, 1, 57264, 2]))
                + DER.tlv(0x30, sha256Alg + DER.tlv(0x04, imprint))
                + DER.integer([0x01, 0x23, 0x45]) + (try derBytes(Self.generalizedTime(genTime))))
        let contentTypeAttr = DER.tlv(0x30, (try oid([1, 2, 840, 113549, 1, 9, 3])) + DER.tlv(0x31, try oid([1, 2, 840, 113549, 1, 9, 16, 1, 4])))
        let digestAttr = DER.tlv(0x30,
            (try oid([1, 2, 840, 113549, 1, 9, 4])) + DER.tlv(0x31, DER.tlv(0x04, Array(SHA256.hash(data: tstInfo)))))
        let attrs = contentTypeAttr + digestAttr
        let signature = Array(try key.signature(for: SHA256.hash(data: DER.tlv(0x31, attrs))).derRepresentation)
        let issuer = try derBytes(cert.issuer)
        let signerInfo = DER.tlv(0x30,
            DER.integer([1]) + DER.tlv(0x30, issuer + DER.unsignedInteger(Array(cert.serialNumber.bytes))) + sha256Alg
                + DER.tlv(0xA0, attrs) + DER.tlv(0x30, try oid([1, 2, 840, 10045, 4, 3, 2])) + DER.tlv(0x04, signature))
        let signedData = DER.tlv(0x30,
            DER.integer([3]) + DER.tlv(0x31, sha256Alg)
                + DER.tlv(0x30, (try oid([1, 2, 840, 113549, 1, 9, 16, 1, 4])) + DER.tlv(0xA0, DER.tlv(0x04, tstInfo)))
                + DER.tlv(0xA0, Self.der(cert)) + DER.tlv(0x31, signerInfo))
        let contentInfo = DER.tlv(0x30, (try oid([1, 2, 840, 113549, 1, 7, 2])) + DER.tlv(0xA0, signedData))
        return DER.tlv(0x30, DER.tlv(0x30, DER.integer([0])) + contentInfo)
    }

    private func oid(_ arcs: [UInt]) throws -> [UInt8] {
        try derBytes(ASN1ObjectIdentifier(elements: arcs))
    }

    static func generalizedTime(_ date: Date) throws -> GeneralizedTime {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 0)!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return try GeneralizedTime(
            year: c.year!, month: c.month!, day: c.day!, hours: c.hour!, minutes: c.minute!, seconds: c.second!,
            fractionalSeconds: 0)
    }

    // MARK: - Helpers

    static func der(_ cert: Certificate) -> [UInt8] {
        (try? derBytes(cert)) ?? []
    }

    static func spki(_ cert: Certificate) -> [UInt8] {
        (try? derBytes(cert.publicKey)) ?? []
    }

    static func rfc3339(_ date: Date) -> String {
        let t = (try? generalizedTime(date))!
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(t.year)-\(two(t.month))-\(two(t.day))T\(two(t.hours)):\(two(t.minutes)):\(two(t.seconds))Z"
    }

    static func jsonString(_ s: String) -> String {
        var out = "\""
        for c in s.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(c)
            }
        }
        return out + "\""
    }
}

private func sha256(_ bytes: [UInt8]) -> [UInt8] { Array(SHA256.hash(data: bytes)) }

func derBytes(_ value: some DERSerializable) throws -> [UInt8] {
    var s = DER.Serializer()
    try s.serialize(value)
    return s.serializedBytes
}

extension DER {
    /// A TLV with a one-byte identifier.
    static func tlv(_ identifier: UInt8, _ content: [UInt8]) -> [UInt8] { DERRewriting.tlv(identifier, content) }

    /// A DER INTEGER from big-endian content bytes (already minimal and positive).
    static func integer(_ content: [UInt8]) -> [UInt8] { tlv(0x02, content) }

    /// A DER INTEGER of a non-negative magnitude: minimal, with a 0x00 before a high bit.
    static func unsignedInteger(_ magnitude: [UInt8]) -> [UInt8] {
        var bytes = Array(magnitude.drop(while: { $0 == 0 }))
        if bytes.isEmpty || bytes[0] & 0x80 != 0 { bytes.insert(0, at: 0) }
        return tlv(0x02, bytes)
    }
}
