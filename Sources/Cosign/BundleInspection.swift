#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import SigstoreCore
import SigstoreCrypto
import SigstoreJSON
public import SigstoreModels
import SigstoreVerify
import SwiftASN1
import X509
import Crypto
import _CryptoExtras

/// `cosign bundle inspect`: what a Sigstore bundle holds, as Go cosign's tree of `- Label: value` lines. The bundle is
/// read leniently (missing or malformed parts become `[!] WARNING` lines, not errors) and nothing is verified.
public struct BundleInspection: Sendable {
    /// A trusted root to name logs and authorities by URL instead of by key ID; nil names them by ID.
    public var trustedRoot: TrustedRoot?

    /// Creates an inspection.
    public init(trustedRoot: TrustedRoot?) { self.trustedRoot = trustedRoot }

    /// The media types Go cosign recognises, with their minor version.
    static let versions = [
        "application/vnd.dev.sigstore.bundle+json;version=0.1": 1, "application/vnd.dev.sigstore.bundle+json;version=0.2": 2,
        "application/vnd.dev.sigstore.bundle+json;version=0.3": 3, "application/vnd.dev.sigstore.bundle.v0.3+json": 3,
    ]

    /// The tree for the bundle JSON `bytes`.
    ///
    /// - Throws: ``CosignError`` when `bytes` is not a JSON object.
    public func describe(_ bytes: [UInt8]) throws -> String {
        let document: OrderedJSON
        do {
            document = try JSONParser.parse(bytes)
        } catch {
            throw CosignError(.invalidInput, "unmarshaling bundle: \(error.message)", underlying: error)
        }
        guard case .object = document else { throw CosignError(.invalidInput, "unmarshaling bundle: not a JSON object") }
        var root = Node()
        let mediaType = Self.string(document["mediaType"]) ?? ""
        root.add("Bundle Media Type", mediaType)
        let version = Self.versions[mediaType] ?? 0
        if mediaType.isEmpty {
            root.add("[!] WARNING", "Missing Bundle Media Type")
        } else if version == 0 {
            root.add("[!] WARNING", "Unrecognized Media Type")
        }
        if let material = document["verificationMaterial"] {
            verificationMaterial(material, version: version, into: &root)
        } else {
            root.add("[!] WARNING", "Missing Verification Material")
        }
        if document["dsseEnvelope"] != nil || document["messageSignature"] != nil {
            content(document, into: &root)
        } else {
            root.add("[!] WARNING", "Missing Content")
        }
        var out = ""
        root.print(into: &out, depth: 0)
        return out
    }

    // MARK: - Verification material

    private func verificationMaterial(_ material: OrderedJSON, version: Int, into root: inout Node) {
        var node = Node("Verification Material")
        if let certificate = material["certificate"] {
            var certNode = Node("Content", "X.509 Certificate")
            if let der = Self.base64(certificate["rawBytes"]), !der.isEmpty {
                self.certificate(der, into: &certNode)
            } else {
                certNode.add("[!] WARNING", "Certificate raw_bytes is empty")
            }
            if version > 0 && version < 3 {
                certNode.add("[!] WARNING", "v0.1/v0.2 bundle should use certificate chain, not single certificate")
            }
            node.children.append(certNode)
        } else if let chain = material["x509CertificateChain"] {
            var chainNode = Node("Content", "X.509 Certificate Chain")
            let certificates = chain["certificates"]?.arrayValue ?? []
            if certificates.isEmpty {
                chainNode.add("[!] WARNING", "Certificate chain is empty")
            } else {
                chainNode.add("Certificates", "\(certificates.count)")
                for (index, entry) in certificates.enumerated() {
                    var certNode = Node("Certificate [\(index)]")
                    self.certificate(Self.base64(entry["rawBytes"]) ?? [], into: &certNode)
                    chainNode.children.append(certNode)
                }
            }
            if version >= 3 { chainNode.add("[!] WARNING", "v0.3 bundle should use single certificate, not chain") }
            node.children.append(chainNode)
        } else if let publicKey = material["publicKey"] {
            var keyNode = Node("Content", "Public Key Identifier")
            if let hint = Self.string(publicKey["hint"]), !hint.isEmpty {
                keyNode.add("Hint", Base64.decode(hint).map(Hex.encode) ?? hint)
            } else {
                keyNode.add("[!] WARNING", "Public key hint is empty")
            }
            node.children.append(keyNode)
        } else {
            node.add("[!] WARNING", "Missing Verification Material Content (must be certificate, chain, or public key)")
        }
        let entries = material["tlogEntries"]?.arrayValue ?? []
        if !entries.isEmpty {
            var logsNode = Node("Transparency Log Entries", "\(entries.count)")
            for (index, entry) in entries.enumerated() {
                var entryNode = Node("Entry [\(index)]")
                logEntry(entry, into: &entryNode)
                if version == 1 && entry["inclusionPromise"] == nil {
                    entryNode.add("[!] WARNING", "v0.1 bundle tlog entry MUST contain an inclusion promise")
                }
                if version >= 2 && entry["inclusionProof"] == nil {
                    entryNode.add("[!] WARNING", "v0.\(version) bundle tlog entry MUST contain an inclusion proof")
                }
                logsNode.children.append(entryNode)
            }
            node.children.append(logsNode)
        }
        if let timestamps = material["timestampVerificationData"] {
            var tsNode = Node("Timestamp Verification Data")
            let tokens = timestamps["rfc3161Timestamps"]?.arrayValue ?? []
            tsNode.add("RFC3161 Timestamps", "\(tokens.count)")
            for (index, token) in tokens.enumerated() {
                var tokenNode = Node("Timestamp [\(index)]")
                if let der = Self.base64(token["signedTimestamp"]), let parsed = try? RFC3161Timestamp(responseDER: der) {
                    tokenNode.add("Time", Self.rfc3339(parsed.genTime))
                    tokenNode.add("Hash Algorithm", Self.goHashName(parsed.imprintAlgorithm))
                    tokenNode.add("Message Imprint", "Present (\(parsed.imprint.count) bytes)")
                    tokenNode.add("Serial Number", Self.decimal(parsed.serialNumber))
                    tokenNode.add("Policy", parsed.policy)
                }
                tsNode.children.append(tokenNode)
            }
            node.children.append(tsNode)
        }
        root.children.append(node)
    }

    private func logEntry(_ entry: OrderedJSON, into node: inout Node) {
        node.add("Log Index", Self.integer(entry["logIndex"]) ?? "0")
        if let keyID = Self.base64(entry["logId"]?["keyId"]) {
            let hex = Hex.encode(keyID)
            if let url = trustedRoot?.tlogs.first(where: { Hex.encode($0.logID) == hex })?.baseURL {
                node.add("Log URL", url)
            } else {
                node.add("Log ID", hex)
            }
        }
        if let kindVersion = entry["kindVersion"] {
            node.add("Kind", Self.string(kindVersion["kind"]) ?? "")
            node.add("Version", Self.string(kindVersion["version"]) ?? "")
        }
        if let time = Self.integer(entry["integratedTime"]).flatMap(Int64.init), time != 0 {
            node.add("Integrated Time", Self.rfc3339(Date(timeIntervalSince1970: TimeInterval(time))))
        } else {
            node.add("Integrated Time", "0 (Not set)")
        }
        if let promise = entry["inclusionPromise"] {
            var promiseNode = Node("Inclusion Promise")
            promiseNode.add("Signed Entry Timestamp", "Present (\(Self.base64(promise["signedEntryTimestamp"])?.count ?? 0) bytes)")
            node.children.append(promiseNode)
        }
        if let proof = entry["inclusionProof"] {
            var proofNode = Node("Inclusion Proof")
            proofNode.add("Log Index", Self.integer(proof["logIndex"]) ?? "0")
            proofNode.add("Tree Size", Self.integer(proof["treeSize"]) ?? "0")
            proofNode.add("Hashes", "\(proof["hashes"]?.arrayValue?.count ?? 0)")
            if let envelope = Self.string(proof["checkpoint"]?["envelope"]) {
                var checkpointNode = Node("Checkpoint")
                if let note = try? SignedNote(envelope), let checkpoint = try? Checkpoint(text: note.text) {
                    checkpointNode.add("Origin", checkpoint.origin)
                    checkpointNode.add("Tree Size", "\(checkpoint.size)")
                    if !checkpoint.otherContent.isEmpty {
                        var other = Node("Other Content", "\(checkpoint.otherContent.count) lines")
                        for (index, line) in checkpoint.otherContent.enumerated() { other.add("[\(index)]", line) }
                        checkpointNode.children.append(other)
                    }
                    if !note.signatures.isEmpty {
                        var witnesses = Node("Witnesses", "\(note.signatures.count)")
                        for signature in note.signatures {
                            // The line's base64 holds the 4-byte key hint and the signature.
                            witnesses.add(signature.name, "Signature Present (\(signature.keyHint.count + signature.signature.count) bytes)")
                        }
                        checkpointNode.children.append(witnesses)
                    }
                } else {
                    checkpointNode.add("Envelope", "Present (\(envelope.utf8.count) bytes)")
                }
                proofNode.children.append(checkpointNode)
            }
            node.children.append(proofNode)
        }
        if let body = Self.base64(entry["canonicalizedBody"]), !body.isEmpty {
            node.add("Canonicalized Body", "Present (\(body.count) bytes)")
        }
    }

    // MARK: - Certificates

    /// Go's names for the extensions Fulcio writes (sigstore/fulcio `docs/oid-info.md`), by the last arc.
    static let fulcioExtensionNames: [UInt: String] = [
        1: "OIDC Issuer", 2: "GitHub Workflow Trigger", 3: "GitHub Workflow SHA", 4: "GitHub Workflow Name",
        5: "GitHub Workflow Repository", 6: "GitHub Workflow Ref", 7: "OtherName SAN", 8: "Issuer (V2)",
        9: "Build Signer URI", 10: "Build Signer Digest", 11: "Runner Environment", 12: "Source Repository URI",
        13: "Source Repository Digest", 14: "Source Repository Ref", 15: "Source Repository Identifier",
        16: "Source Repository Owner URI", 17: "Source Repository Owner Identifier", 18: "Build Config URI",
        19: "Build Config Digest", 20: "Build Trigger", 21: "Run Invocation URI",
        22: "Source Repository Visibility At Signing", 23: "Deployment Environment", 24: "Token Subject",
    ]

    private func certificate(_ der: [UInt8], into node: inout Node) {
        let certificate: Certificate
        do {
            certificate = try Certificate(derEncoded: der)
        } catch {
            node.add("Error", "parsing certificate: \(error)")
            return
        }
        node.add("Signature Algorithm", Self.goSignatureAlgorithm(certificate.signatureAlgorithm))
        let subject = certificate.subject.description
        if !subject.isEmpty { node.add("Subject", subject) }
        let issuerCN = Self.attribute(certificate.issuer, .RDNAttributeType.commonName)
        let issuerO = Self.attribute(certificate.issuer, .RDNAttributeType.organizationName)
        let issuerC = Self.attribute(certificate.issuer, .RDNAttributeType.countryName)
        if issuerCN != nil || issuerO != nil || issuerC != nil {
            var issuerNode = Node("Issuer")
            if let issuerCN { issuerNode.add("Common Name", issuerCN) }
            if let issuerO { issuerNode.add("Organization", issuerO) }
            if let issuerC { issuerNode.add("Country", issuerC) }
            node.children.append(issuerNode)
        }
        var validity = Node("Validity")
        validity.add("Not Before", Self.rfc3339(certificate.notValidBefore))
        validity.add("Not After", Self.rfc3339(certificate.notValidAfter))
        node.children.append(validity)
        node.children.append(Self.publicKeyInfo(certificate.publicKey))

        var extensions = Node("Extensions")
        let names = (try? certificate.extensions.subjectAlternativeNames) ?? nil
        let commonName = Self.attribute(certificate.subject, .RDNAttributeType.commonName)
        var emails: [String] = []
        var uris: [String] = []
        for name in names ?? SubjectAlternativeNames() {
            switch name {
            case .rfc822Name(let email): emails.append(email)
            case .uniformResourceIdentifier(let uri): uris.append(uri)
            default: continue
            }
        }
        if commonName != nil || !emails.isEmpty || !uris.isEmpty {
            var identity = Node("Identity (Subject Alternative Name)")
            if let commonName { identity.add("Common Name", commonName) }
            for email in emails { identity.add("Email", email) }
            for uri in uris { identity.add("URI", uri) }
            extensions.children.append(identity)
        }
        if let usage = try? certificate.extensions.keyUsage {
            let all: [(Bool, String)] = [
                (usage.digitalSignature, "Digital Signature"), (usage.nonRepudiation, "Content Commitment"),
                (usage.keyEncipherment, "Key Encipherment"), (usage.dataEncipherment, "Data Encipherment"),
                (usage.keyAgreement, "Key Agreement"), (usage.keyCertSign, "Cert Sign"), (usage.cRLSign, "CRL Sign"),
                (usage.encipherOnly, "Encipher Only"), (usage.decipherOnly, "Decipher Only"),
            ]
            let set = all.filter(\.0).map(\.1)
            if !set.isEmpty { extensions.add("Key Usage", set.joined(separator: ", ")) }
        }
        if let usages = try? certificate.extensions.extendedKeyUsage {
            let known: [ExtendedKeyUsage.Usage: String] = [
                .any: "Any", .serverAuth: "Server Auth", .clientAuth: "Client Auth", .codeSigning: "Code Signing",
                .emailProtection: "Email Protection", .timeStamping: "Time Stamping", .ocspSigning: "OCSP Signing",
            ]
            let named = usages.compactMap { known[$0] }
            let unknown = usages.filter { known[$0] == nil }.map { "\($0)" }
            if !named.isEmpty { extensions.add("Extended Key Usage", named.joined(separator: ", ")) }
            if !unknown.isEmpty { extensions.add("Unknown Extended Key Usage", unknown.joined(separator: ", ")) }
        }
        if let ski = try? certificate.extensions.subjectKeyIdentifier {
            extensions.add("Subject Key ID", Hex.encode(Array(ski.keyIdentifier)))
        }
        if let aki = try? certificate.extensions.authorityKeyIdentifier, let id = aki.keyIdentifier {
            let hex = Hex.encode(Array(id))
            if let url = fulcioURL(authorityKeyID: hex) {
                extensions.add("Authority URL", url)
            } else {
                extensions.add("Authority Key ID", hex)
            }
        }
        let handled: Set<ASN1ObjectIdentifier> = [
            .X509ExtensionID.keyUsage, .X509ExtensionID.extendedKeyUsage, .X509ExtensionID.subjectKeyIdentifier,
            .X509ExtensionID.authorityKeyIdentifier, .X509ExtensionID.subjectAlternativeName,
        ]
        for ext in certificate.extensions where !handled.contains(ext.oid) {
            if ext.oid == SigstoreOID.sctList, let scts = try? SignedCertificateTimestamp.parseList(extensionValue: ext.value),
                !scts.isEmpty
            {
                var sctsNode = Node("Signed Certificate Timestamps", "\(scts.count)")
                for (index, sct) in scts.enumerated() {
                    var sctNode = Node("Signed Certificate Timestamp [\(index)]")
                    sctNode.add("Version", "v\(Int(sct.version) + 1)")
                    let hex = Hex.encode(sct.logID)
                    if let url = trustedRoot?.ctlogs.first(where: { Hex.encode($0.logID) == hex })?.baseURL {
                        sctNode.add("Log URL", url)
                    } else {
                        sctNode.add("Log ID", hex)
                    }
                    sctNode.add("Timestamp", Self.rfc3339(sct.date))
                    sctNode.add("Extensions", sct.extensions.isEmpty ? "none" : "\(sct.extensions.count) bytes")
                    sctNode.add("Signature", "Present (\(sct.signature.count) bytes)")
                    sctsNode.children.append(sctNode)
                }
                extensions.children.append(sctsNode)
                continue
            }
            let arcs = Array(ext.oid.oidComponents)
            if arcs.count == 9, Array(arcs.prefix(8)) == [1, 3, 6, 1, 4, 1, 57264, 1], let name = Self.fulcioExtensionNames[arcs[8]] {
                let value = Array(ext.value)
                let text = (try? ASN1UTF8String(derEncoded: value)).map(String.init) ?? String(decoding: value, as: UTF8.self)
                extensions.add(name, text)
            } else {
                extensions.add("OID: \(ext.oid)", "(Critical: \(ext.critical)) [\(ext.value.count) bytes]")
            }
        }
        node.children.append(extensions)
        node.add("Signature", "Present (\(Self.signatureBytes(of: der)) bytes)")
    }

    private func fulcioURL(authorityKeyID hex: String) -> String? {
        guard let root = trustedRoot else { return nil }
        for authority in root.certificateAuthorities {
            for der in authority.certificateChain {
                guard let certificate = try? Certificate(derEncoded: der),
                    let ski = try? certificate.extensions.subjectKeyIdentifier
                else { continue }
                if Hex.encode(Array(ski.keyIdentifier)) == hex, let uri = authority.uri { return uri }
            }
        }
        return nil
    }

    private static func publicKeyInfo(_ key: Certificate.PublicKey) -> Node {
        var node = Node("Subject Public Key Info")
        func abbreviated(_ bytes: [UInt8]) -> String {
            let hex = Hex.encode(bytes)
            guard hex.count > 20 else { return hex }
            return "\(hex.prefix(8))...\(hex.suffix(8)) (\(bytes.count) bytes)"
        }
        if let p256 = P256.Signing.PublicKey(key) {
            node.add("Algorithm", "ECDSA")
            node.add("Curve", "P-256")
            node.add("Public Key", abbreviated(Array(p256.x963Representation)))
        } else if let p384 = P384.Signing.PublicKey(key) {
            node.add("Algorithm", "ECDSA")
            node.add("Curve", "P-384")
            node.add("Public Key", abbreviated(Array(p384.x963Representation)))
        } else if let p521 = P521.Signing.PublicKey(key) {
            node.add("Algorithm", "ECDSA")
            node.add("Curve", "P-521")
            node.add("Public Key", abbreviated(Array(p521.x963Representation)))
        } else if let ed25519 = Curve25519.Signing.PublicKey(key) {
            node.add("Algorithm", "Ed25519")
            node.add("Public Key", abbreviated(Array(ed25519.rawRepresentation)))
        } else if let rsa = _RSA.Signing.PublicKey(key) {
            node.add("Algorithm", "RSA")
            node.add("Key Size", "\(rsa.keySizeInBits) bits")
        } else {
            node.add("Algorithm", "Unknown")
        }
        return node
    }

    // MARK: - Content

    private func content(_ document: OrderedJSON, into root: inout Node) {
        var node = Node("Content")
        if let envelope = document["dsseEnvelope"] {
            node.add("Type", "DSSE Envelope")
            let payloadType = Self.string(envelope["payloadType"]) ?? ""
            node.add("Payload Type", payloadType)
            let payload = Self.base64(envelope["payload"]) ?? []
            node.add("Payload", "Present (\(payload.count) bytes)")
            // Only the statement's type and subjects are built: its predicate may be large.
            if payloadType == "application/vnd.in-toto+json",
                let statement = try? JSONParser.parse(payload, keepingTopLevel: ["predicateType", "subject"]),
                case .object = statement
            {
                var payloadNode = Node("Payload Content (in-toto)")
                if let predicateType = Self.string(statement["predicateType"]) { payloadNode.add("Predicate Type", predicateType) }
                if let subjects = statement["subject"]?.arrayValue {
                    var subjectsNode = Node("Subjects", "\(subjects.count)")
                    for subject in subjects {
                        if let name = Self.string(subject["name"]) { subjectsNode.add("Name", name) }
                    }
                    payloadNode.children.append(subjectsNode)
                }
                node.children.append(payloadNode)
            }
            let signatures = envelope["signatures"]?.arrayValue ?? []
            var signaturesNode = Node("Signatures", "\(signatures.count)")
            let hint = Self.string(document["verificationMaterial"]?["publicKey"]?["hint"])
            for (index, signature) in signatures.enumerated() {
                var signatureNode = Node("Signature [\(index)]")
                signatureNode.add("Signature", "Present (\(Self.base64(signature["sig"])?.count ?? 0) bytes)")
                if let keyID = Self.string(signature["keyid"]), !keyID.isEmpty {
                    signatureNode.add("Key Hint", Base64.decode(keyID).map(Hex.encode) ?? keyID)
                    if let hint, hint != keyID {
                        signatureNode.add("[!] WARNING", "Key hint mismatch with Verification Material")
                    }
                }
                signaturesNode.children.append(signatureNode)
            }
            node.children.append(signaturesNode)
            if signatures.count != 1 { node.add("[!] WARNING", "DSSE envelope MUST contain only one signature") }
        } else if let message = document["messageSignature"] {
            node.add("Type", "Message Signature")
            if let digest = message["messageDigest"] {
                var digestNode = Node("Message Digest")
                digestNode.add("Algorithm", Self.string(digest["algorithm"]) ?? "HASH_ALGORITHM_UNSPECIFIED")
                digestNode.add("Digest", "Present (\(Self.base64(digest["digest"])?.count ?? 0) bytes)")
                node.children.append(digestNode)
            }
            node.add("Signature", "Present (\(Self.base64(message["signature"])?.count ?? 0) bytes)")
        }
        root.children.append(node)
    }

    // MARK: - Reading and writing values

    /// One `- Label: value` line and the lines under it.
    struct Node {
        var label = ""
        var value = ""
        var children: [Node] = []

        init(_ label: String = "", _ value: String = "") {
            self.label = label
            self.value = value
        }

        mutating func add(_ label: String, _ value: String) { children.append(Node(label, value)) }

        func print(into out: inout String, depth: Int) {
            var depth = depth
            if !label.isEmpty {
                let indent = String(repeating: "  ", count: depth)
                out += value.isEmpty ? "\(indent)- \(label):\n" : "\(indent)- \(label): \(value)\n"
                depth += 1
            }
            for child in children { child.print(into: &out, depth: depth) }
        }
    }

    static func string(_ value: OrderedJSON?) -> String? {
        if case .string(let s)? = value { return s }
        return nil
    }

    /// An int64 field: protobuf JSON writes it as a string, some writers as a number.
    static func integer(_ value: OrderedJSON?) -> String? {
        switch value {
        case .string(let s)?: s
        case .raw(let s)?: s
        case .number(let n)?: String(n)
        default: nil
        }
    }

    static func base64(_ value: OrderedJSON?) -> [UInt8]? { string(value).flatMap(Base64.decode) }

    /// `2024-08-07T11:36:19Z`: Go's `time.RFC3339` for a UTC time (whole seconds).
    static func rfc3339(_ date: Date) -> String {
        Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down)).formatted(Date.ISO8601FormatStyle())
    }

    /// Go's `x509.SignatureAlgorithm.String()`.
    static func goSignatureAlgorithm(_ algorithm: Certificate.SignatureAlgorithm) -> String {
        switch algorithm {
        case .ecdsaWithSHA256: "ECDSA-SHA256"
        case .ecdsaWithSHA384: "ECDSA-SHA384"
        case .ecdsaWithSHA512: "ECDSA-SHA512"
        case .sha256WithRSAEncryption: "SHA256-RSA"
        case .sha384WithRSAEncryption: "SHA384-RSA"
        case .sha512WithRSAEncryption: "SHA512-RSA"
        case .sha1WithRSAEncryption: "SHA1-RSA"
        case .ed25519: "Ed25519"
        default: "\(algorithm)"
        }
    }

    /// Go's `crypto.Hash.String()`.
    static func goHashName(_ algorithm: HashAlgorithm) -> String {
        switch algorithm {
        case .sha256: "SHA-256"
        case .sha384: "SHA-384"
        case .sha512: "SHA-512"
        }
    }

    static func attribute(_ name: DistinguishedName, _ type: ASN1ObjectIdentifier) -> String? {
        for rdn in name {
            for attribute in rdn where attribute.type == type {
                return String(describing: attribute.value)
            }
        }
        return nil
    }

    /// The length of a certificate's signature value (the BIT STRING after the signature algorithm).
    static func signatureBytes(of der: [UInt8]) -> Int {
        guard let node = try? DER.parse(der), case .constructed(let children) = node.content else { return 0 }
        let parts = Array(children)
        guard parts.count == 3, let bits = try? ASN1BitString(derEncoded: parts[2]) else { return 0 }
        return bits.bytes.count
    }

    /// A two's-complement big-endian integer in decimal.
    static func decimal(_ bytes: [UInt8]) -> String {
        var magnitude = Array(bytes.drop { $0 == 0 })
        guard !magnitude.isEmpty else { return "0" }
        var digits: [UInt8] = []
        while !magnitude.isEmpty {
            var remainder = 0
            var quotient: [UInt8] = []
            for byte in magnitude {
                let value = remainder * 256 + Int(byte)
                let q = value / 10
                remainder = value % 10
                if !quotient.isEmpty || q != 0 { quotient.append(UInt8(q)) }
            }
            digits.append(UInt8(remainder))
            magnitude = quotient
        }
        return String(digits.reversed().map { Character(String($0)) })
    }
}

extension OrderedJSON {
    /// The member named `key` (or its protobuf snake_case spelling) of an object.
    fileprivate subscript(key: String) -> OrderedJSON? {
        guard case .object(let members) = self else { return nil }
        if let found = members.last(where: { $0.0 == key })?.1 { return found }
        let snake = key.reduce(into: "") { out, c in out += c.isUppercase ? "_" + c.lowercased() : String(c) }
        return members.last(where: { $0.0 == snake })?.1
    }

    fileprivate var arrayValue: [OrderedJSON]? {
        if case .array(let items) = self { return items }
        return nil
    }
}
