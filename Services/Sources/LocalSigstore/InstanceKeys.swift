public import Foundation
internal import HTTPTypes
public import Crypto
internal import SigstoreCrypto
internal import SigstoreIssuing
internal import SwiftASN1
public import X509
import SigstoreJSON
internal import SigstoreCore

/// Every key and CA certificate of one local Sigstore instance, generated on first start and kept in the data
/// directory (`keys/`, private keys mode 0600), so that trust material stays valid across restarts.
///
/// Each signing authority (``Authority``) has a generation, 1 at creation and one more per ``rotated(_:at:directory:)``.
/// Generation 1 keeps the original file names (`rekor.key.pem`); generation *n* writes `rekor.n.key.pem`, so a rotation
/// writes only new files and then commits by replacing `keys/instance.json`, the manifest naming the current
/// generations and the retired public material. A crash before the commit leaves the instance as it was.
public struct InstanceKeys: Sendable {
    /// An authority whose key `sigstore-local rotate` replaces.
    public enum Authority: String, CaseIterable, Sendable, Hashable {
        /// Rekor v1: a new key and tree ID, that is a new shard (a new, empty log).
        case rekor
        /// Rekor v2: a new Ed25519 checkpoint key for the same log.
        case rekorV2 = "rekor-v2"
        /// Fulcio: a new root and intermediate CA.
        case fulcio
        /// The timestamp authority: a new root, timestamping certificate and key.
        case tsa
        /// The CT log that signs Fulcio's SCTs: a new key.
        case ctlog
    }

    /// Public material of an authority's earlier generation, still published (with the end of its validity) so that
    /// what it signed keeps verifying.
    public struct RetiredMaterial: Sendable, Hashable {
        /// Whose material it is.
        public var authority: Authority
        /// Its generation.
        public var generation: Int
        /// When it became valid.
        public var start: Date
        /// When it was retired.
        public var end: Date
        /// The log's public key (DER SubjectPublicKeyInfo) for Rekor and CT logs.
        public var publicKey: [UInt8]?
        /// The certificate chain (DER, leaf or intermediate first) for Fulcio and the TSA.
        public var chain: [[UInt8]]
        /// The Rekor v1 tree ID of a retired shard.
        public var treeID: Int64?
    }

    /// When the instance was created: the start of every validity window it publishes.
    public let created: Date
    /// Fulcio's root CA.
    public let fulcioRoot: Certificate
    /// Fulcio's issuing (intermediate) CA and its key.
    public let fulcioIntermediate: Certificate
    let fulcioIntermediateKey: P256.Signing.PrivateKey
    /// The CT log that signs SCTs for Fulcio.
    public let ctLogKey: P256.Signing.PrivateKey
    /// The Rekor v1 log key (ECDSA: verifiers check SETs with ECDSA only) and its tree ID.
    public let rekorKey: P256.Signing.PrivateKey
    public let rekorTreeID: Int64
    /// The Rekor v2 log key (Ed25519 checkpoints).
    public let rekorV2Key: Curve25519.Signing.PrivateKey
    /// The timestamp authority's root, its timestamping certificate and key.
    public let tsaRoot: Certificate
    public let tsaCertificate: Certificate
    let tsaKey: P256.Signing.PrivateKey
    /// The development OIDC issuer's token-signing key.
    public let oidcKey: P256.Signing.PrivateKey
    /// The current generation of each authority (1 until rotated).
    public let generations: [Authority: Int]
    /// When each authority's current generation became valid (``created`` until rotated).
    public let since: [Authority: Date]
    /// Earlier generations, oldest first.
    public let retired: [RetiredMaterial]

    /// The storage name of the current Rekor v1 shard: `rekor-v1`, then `rekor-v1.<generation>`.
    public var rekorLogName: String {
        let generation = generation(of: .rekor)
        return generation == 1 ? "rekor-v1" : "rekor-v1.\(generation)"
    }

    /// A SHA-256 (hex) over the public half of every current key and CA certificate and the Rekor v1 tree ID: what
    /// replicas sharing one database must all have.
    public var publicFingerprint: String {
        get throws { Self.fingerprint(created, try Authority.allCases.map { try retirement(of: $0, at: created) }, oidcKey) }
    }

    /// A SHA-256 (hex) that names the instance across rotations: its creation time and every authority's first
    /// generation of public material (kept in ``retired`` once rotated).
    public var birthFingerprint: String {
        get throws {
            Self.fingerprint(created, try Authority.allCases.map { authority in
                try retired.first { $0.authority == authority && $0.generation == 1 } ?? retirement(of: authority, at: created)
            }, oidcKey)
        }
    }

    /// How many rotations the instance has had: a replica with more has newer keys than one with fewer.
    public var rotations: Int { Authority.allCases.map { generation(of: $0) - 1 }.reduce(0, +) }

    /// The public material of `authority`'s current generation as it is recorded once retired at `end`: its public
    /// key (Rekor, CT log), its chain (Fulcio, TSA: issuing certificate first) and its tree ID (Rekor v1).
    private func retirement(of authority: Authority, at end: Date) throws -> RetiredMaterial {
        var material = RetiredMaterial(
            authority: authority, generation: generation(of: authority), start: validFrom(authority), end: end,
            publicKey: nil, chain: [], treeID: nil)
        switch authority {
        case .fulcio: material.chain = [try der(fulcioIntermediate), try der(fulcioRoot)]
        case .tsa: material.chain = [try der(tsaCertificate), try der(tsaRoot)]
        case .ctlog: material.publicKey = Array(ctLogKey.publicKey.derRepresentation)
        case .rekor:
            material.publicKey = Array(rekorKey.publicKey.derRepresentation)
            material.treeID = rekorTreeID
        case .rekorV2: material.publicKey = SigstoreCrypto.PublicKey(rekorV2Key.publicKey).derRepresentation
        }
        return material
    }

    private static func fingerprint(_ created: Date, _ materials: [RetiredMaterial], _ oidcKey: P256.Signing.PrivateKey) -> String {
        var all: [UInt8] = []
        func add(_ bytes: [UInt8]) {
            withUnsafeBytes(of: UInt32(bytes.count).bigEndian) { all += $0 }
            all += bytes
        }
        add(Array(String(Int64(created.timeIntervalSince1970)).utf8))
        for material in materials {
            let parts = (material.publicKey.map { [$0] } ?? []) + material.chain + (material.treeID.map { [Array(String($0).utf8)] } ?? [])
            add(Array(String(parts.count).utf8))
            for part in parts { add(part) }
        }
        add(Array(oidcKey.publicKey.derRepresentation))
        return Hex.encode(Array(SHA256.hash(data: all)))
    }

    /// The current generation of `authority`.
    public func generation(of authority: Authority) -> Int { generations[authority] ?? 1 }

    /// When the current generation of `authority` became valid.
    public func validFrom(_ authority: Authority) -> Date { since[authority] ?? created }

    /// Loads the instance in `directory`, creating it (and the directory) if it has none.
    public static func loadOrCreate(directory: String, now: Date = Date()) throws -> InstanceKeys {
        let keys = directory + "/keys"
        let fm = FileManager.default
        if fm.fileExists(atPath: keys + "/instance.json") {
            return try load(directory: directory)
        }
        do {
            try fm.createDirectory(atPath: keys, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw InstanceError(.storage, "cannot create \(keys): \(error.localizedDescription)")
        }
        let created = Date(timeIntervalSince1970: (now.timeIntervalSince1970 - 60).rounded(.down))
        // Private keys first, instance.json last: a directory without instance.json is created anew.
        let fulcio = try Self.writeFulcio(keys, generation: 1, notValidBefore: created)
        let tsa = try Self.writeTSA(keys, generation: 1, notValidBefore: created)
        let ctLogKey = P256.Signing.PrivateKey()
        try writeSecret(keys + "/" + Self.file("ctlog", "key.pem", 1), ctLogKey.pemRepresentation)
        let rekorKey = P256.Signing.PrivateKey()
        try writeSecret(keys + "/" + Self.file("rekor", "key.pem", 1), rekorKey.pemRepresentation)
        let rekorV2Key = Curve25519.Signing.PrivateKey()
        try writeSecret(keys + "/" + Self.file("rekor-v2", "key.pem", 1), Self.ed25519PEM(rekorV2Key))
        let oidcKey = P256.Signing.PrivateKey()
        try writeSecret(keys + "/oidc.key.pem", oidcKey.pemRepresentation)
        let instance = InstanceKeys(
            created: created, fulcioRoot: fulcio.root, fulcioIntermediate: fulcio.intermediate,
            fulcioIntermediateKey: fulcio.key, ctLogKey: ctLogKey, rekorKey: rekorKey, rekorTreeID: Self.newTreeID(),
            rekorV2Key: rekorV2Key, tsaRoot: tsa.root, tsaCertificate: tsa.certificate, tsaKey: tsa.key, oidcKey: oidcKey,
            generations: [:], since: [:], retired: [])
        try writePublic(keys + "/instance.json", instance.manifest())
        return instance
    }

    /// Loads the instance in `directory` (a data directory); throws when it has none.
    public static func load(directory: String) throws -> InstanceKeys {
        let keys = directory + "/keys"
        func text(_ name: String) throws -> String {
            do {
                return try String(contentsOfFile: keys + "/" + name, encoding: .utf8)
            } catch {
                throw InstanceError(.corrupt, "cannot read \(keys)/\(name): \(error.localizedDescription)")
            }
        }
        func p256(_ name: String) throws -> P256.Signing.PrivateKey {
            let pem = try text(name)
            guard let key = try? P256.Signing.PrivateKey(pemRepresentation: pem) else {
                throw InstanceError(.corrupt, "\(keys)/\(name) is not a P-256 private key")
            }
            return key
        }
        func cert(_ name: String) throws -> Certificate {
            let pem = try text(name)
            guard let certificate = try? Certificate(pemEncoded: pem) else {
                throw InstanceError(.corrupt, "\(keys)/\(name) is not a PEM certificate")
            }
            return certificate
        }
        func ed25519(_ name: String) throws -> Curve25519.Signing.PrivateKey {
            let block = try? PEMBlock.parseFirst(try text(name))
            // An Ed25519 PKCS#8 key is a fixed prefix and the seed: it must be exactly what the seed's key writes.
            guard let block, block.bytes.count == 48,
                let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: block.bytes.suffix(32)),
                SigningKey(key).pkcs8DERRepresentation == block.bytes
            else {
                throw InstanceError(.corrupt, "\(keys)/\(name) is not an Ed25519 PKCS#8 key")
            }
            return key
        }
        let manifest = try Manifest(json: try text("instance.json"), path: keys + "/instance.json")
        func g(_ authority: Authority) -> Int { manifest.generations[authority] ?? 1 }
        return InstanceKeys(
            created: manifest.created,
            fulcioRoot: try cert(file("fulcio-root", "crt.pem", g(.fulcio))),
            fulcioIntermediate: try cert(file("fulcio-intermediate", "crt.pem", g(.fulcio))),
            fulcioIntermediateKey: try p256(file("fulcio-intermediate", "key.pem", g(.fulcio))),
            ctLogKey: try p256(file("ctlog", "key.pem", g(.ctlog))),
            rekorKey: try p256(file("rekor", "key.pem", g(.rekor))), rekorTreeID: manifest.rekorTreeID,
            rekorV2Key: try ed25519(file("rekor-v2", "key.pem", g(.rekorV2))),
            tsaRoot: try cert(file("tsa-root", "crt.pem", g(.tsa))), tsaCertificate: try cert(file("tsa", "crt.pem", g(.tsa))),
            tsaKey: try p256(file("tsa", "key.pem", g(.tsa))), oidcKey: try p256("oidc.key.pem"),
            generations: manifest.generations, since: manifest.since, retired: manifest.retired)
    }

    // MARK: - Rotation

    /// Makes a new generation of `authority` valid from `now` (whole seconds), retiring the current one with its
    /// validity ending then: new key files are written first, then `keys/instance.json` is replaced, which commits
    /// the rotation. Nothing else changes (the trust files are rewritten by the caller).
    /// - Returns: The instance as it is after the rotation.
    public func rotated(_ authority: Authority, at now: Date, directory: String) throws -> InstanceKeys {
        let keys = directory + "/keys"
        let at = Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down))
        guard at > validFrom(authority) else {
            throw InstanceError(
                .corrupt,
                "the current \(authority.rawValue) key became valid at \(rfc3339(validFrom(authority))), not before now "
                    + "(\(rfc3339(at))); is the clock right?")
        }
        let next = generation(of: authority) + 1
        // Certificates of a new generation are backdated a minute, as at creation, for clocks a little behind.
        let notValidBefore = at.addingTimeInterval(-60)
        let retiredNow = try retirement(of: authority, at: at)
        var copy = self
        switch authority {
        case .fulcio:
            let fulcio = try Self.writeFulcio(keys, generation: next, notValidBefore: notValidBefore)
            copy = copy.with(fulcioRoot: fulcio.root, fulcioIntermediate: fulcio.intermediate, fulcioIntermediateKey: fulcio.key)
        case .tsa:
            let tsa = try Self.writeTSA(keys, generation: next, notValidBefore: notValidBefore)
            copy = copy.with(tsaRoot: tsa.root, tsaCertificate: tsa.certificate, tsaKey: tsa.key)
        case .ctlog:
            let key = P256.Signing.PrivateKey()
            try Self.writeSecret(keys + "/" + Self.file("ctlog", "key.pem", next), key.pemRepresentation)
            copy = copy.with(ctLogKey: key)
        case .rekor:
            let key = P256.Signing.PrivateKey()
            try Self.writeSecret(keys + "/" + Self.file("rekor", "key.pem", next), key.pemRepresentation)
            var treeID = Self.newTreeID()
            while treeID == rekorTreeID || retired.contains(where: { $0.treeID == treeID }) { treeID = Self.newTreeID() }
            copy = copy.with(rekorKey: key, rekorTreeID: treeID)
        case .rekorV2:
            let key = Curve25519.Signing.PrivateKey()
            try Self.writeSecret(keys + "/" + Self.file("rekor-v2", "key.pem", next), Self.ed25519PEM(key))
            copy = copy.with(rekorV2Key: key)
        }
        var generations = self.generations
        generations[authority] = next
        var since = self.since
        since[authority] = at
        copy = copy.with(generations: generations, since: since, retired: retired + [retiredNow])
        try Self.writePublic(keys + "/instance.json", copy.manifest())
        return copy
    }

    // MARK: - Issuers

    /// Fulcio's issuing CA: the intermediate and its key.
    var fulcioAuthority: IssuingAuthority { IssuingAuthority(certificate: fulcioIntermediate, privateKey: fulcioIntermediateKey) }

    /// The timestamp authority's token signer.
    var timestampIssuer: TimestampIssuer { TimestampIssuer(authority: IssuingAuthority(certificate: tsaCertificate, privateKey: tsaKey)) }

    // MARK: - Files

    /// `stem.suffix` for generation 1, `stem.n.suffix` for generation n.
    static func file(_ stem: String, _ suffix: String, _ generation: Int) -> String {
        generation == 1 ? "\(stem).\(suffix)" : "\(stem).\(generation).\(suffix)"
    }

    private static func newTreeID() -> Int64 { Int64.random(in: 1_000_000_000_000_000...Int64.max) }

    private static func ed25519PEM(_ key: Curve25519.Signing.PrivateKey) -> String {
        PEMBlock(label: "PRIVATE KEY", bytes: SigningKey(key).pkcs8DERRepresentation).pemString
    }

    private static func name(_ commonName: String) throws -> DistinguishedName {
        try DistinguishedName {
            OrganizationName("sigstore-local")
            CommonName(commonName)
        }
    }

    /// A new Fulcio root and intermediate (ten years from `notValidBefore`), written as generation `generation`.
    private static func writeFulcio(
        _ keys: String, generation: Int, notValidBefore: Date
    ) throws -> (root: Certificate, intermediate: Certificate, key: P256.Signing.PrivateKey) {
        let until = notValidBefore.addingTimeInterval(10 * 365 * 86400)
        let suffix = generation == 1 ? "" : " \(generation)"
        let root = try IssuingAuthority.root(
            subject: try name("sigstore-local-root" + suffix), notValidBefore: notValidBefore, notValidAfter: until)
        let key = P256.Signing.PrivateKey()
        let intermediate = try root.intermediate(
            subject: try name("sigstore-local-intermediate" + suffix), key: key, notValidBefore: notValidBefore,
            notValidAfter: until
        ).certificate
        try writeSecret(keys + "/" + file("fulcio-intermediate", "key.pem", generation), key.pemRepresentation)
        try writePublic(keys + "/" + file("fulcio-root", "crt.pem", generation), try root.certificate.serializeAsPEM().pemString)
        try writePublic(keys + "/" + file("fulcio-intermediate", "crt.pem", generation), try intermediate.serializeAsPEM().pemString)
        return (root.certificate, intermediate, key)
    }

    /// A new TSA root, timestamping certificate and key, written as generation `generation`.
    private static func writeTSA(
        _ keys: String, generation: Int, notValidBefore: Date
    ) throws -> (root: Certificate, certificate: Certificate, key: P256.Signing.PrivateKey) {
        let until = notValidBefore.addingTimeInterval(10 * 365 * 86400)
        let suffix = generation == 1 ? "" : " \(generation)"
        let root = try IssuingAuthority.root(
            subject: try name("sigstore-local-tsa-root" + suffix), notValidBefore: notValidBefore, notValidAfter: until)
        let key = P256.Signing.PrivateKey()
        let certificate = try root.timestampingCertificate(
            subject: try name("sigstore-local-tsa" + suffix), publicKey: key.publicKey, notValidBefore: notValidBefore,
            notValidAfter: until)
        try writeSecret(keys + "/" + file("tsa", "key.pem", generation), key.pemRepresentation)
        try writePublic(keys + "/" + file("tsa-root", "crt.pem", generation), try root.certificate.serializeAsPEM().pemString)
        try writePublic(keys + "/" + file("tsa", "crt.pem", generation), try certificate.serializeAsPEM().pemString)
        return (root.certificate, certificate, key)
    }

    /// Writes a private key: a temporary file with mode 0600, then renamed into place.
    static func writeSecret(_ path: String, _ text: String) throws {
        try writeAtomically(path, Array(text.utf8), mode: 0o600)
    }

    static func writePublic(_ path: String, _ text: String) throws {
        try writeAtomically(path, Array(text.utf8), mode: 0o644)
    }

    // MARK: - Manifest

    /// `keys/instance.json`: creation time, current Rekor tree ID, generations, validity starts and retired material.
    /// A manifest without `generations` (written before rotation existed) means generation 1 everywhere.
    private struct Manifest {
        var created: Date
        var rekorTreeID: Int64
        var generations: [Authority: Int] = [:]
        var since: [Authority: Date] = [:]
        var retired: [RetiredMaterial] = []

        init(json text: String, path: String) throws {
            func malformed(_ what: String) -> InstanceError { InstanceError(.corrupt, "\(path) is malformed: \(what)") }
            guard let json = try? JSONParser.parse(Array(text.utf8)), case .object = json else { throw malformed("not a json object") }
            guard let created = json["created"]?.int64Value, let treeID = json["rekorTreeID"]?.int64Value else {
                throw malformed("created and rekorTreeID must be integers")
            }
            self.created = Date(timeIntervalSince1970: Double(created))
            rekorTreeID = treeID
            func authority(_ name: String) throws -> Authority {
                guard let authority = Authority(rawValue: name) else { throw malformed("unknown authority \(name)") }
                return authority
            }
            for name in json["generations"]?.keys ?? [] {
                guard let n = json["generations"]?[name]?.int64Value, n >= 1, n < 1_000_000 else {
                    throw malformed("generations.\(name)")
                }
                generations[try authority(name)] = Int(n)
            }
            for name in json["since"]?.keys ?? [] {
                guard let t = json["since"]?[name]?.int64Value else { throw malformed("since.\(name)") }
                since[try authority(name)] = Date(timeIntervalSince1970: Double(t))
            }
            for item in json["retired"]?.arrayValue ?? [] {
                guard let name = item["authority"]?.stringValue, let generation = item["generation"]?.int64Value,
                    let start = item["start"]?.int64Value, let end = item["end"]?.int64Value
                else { throw malformed("a retired entry lacks authority, generation, start or end") }
                var material = RetiredMaterial(
                    authority: try authority(name), generation: Int(generation),
                    start: Date(timeIntervalSince1970: Double(start)), end: Date(timeIntervalSince1970: Double(end)),
                    publicKey: nil, chain: [], treeID: item["treeID"]?.int64Value)
                if let key = item["publicKey"]?.stringValue {
                    guard let bytes = Base64.decode(key) else { throw malformed("a retired publicKey is not base64") }
                    material.publicKey = bytes
                }
                for certificate in item["chain"]?.arrayValue ?? [] {
                    guard let bytes = certificate.stringValue.flatMap(Base64.decode) else {
                        throw malformed("a retired chain certificate is not base64")
                    }
                    material.chain.append(bytes)
                }
                retired.append(material)
            }
        }
    }

    private func manifest() -> String {
        func seconds(_ date: Date) -> OrderedJSON { .number(Int64(date.timeIntervalSince1970.rounded(.down))) }
        let order = Authority.allCases
        var members: [(String, OrderedJSON)] = [("created", seconds(created)), ("rekorTreeID", .number(rekorTreeID))]
        members.append(("generations", .object(order.compactMap { a in generations[a].map { (a.rawValue, .number(Int64($0))) } })))
        members.append(("since", .object(order.compactMap { a in since[a].map { (a.rawValue, seconds($0)) } })))
        members.append((
            "retired",
            .array(retired.map { material in
                var entry: [(String, OrderedJSON)] = [
                    ("authority", .string(material.authority.rawValue)), ("generation", .number(Int64(material.generation))),
                    ("start", seconds(material.start)), ("end", seconds(material.end)),
                ]
                if let key = material.publicKey { entry.append(("publicKey", .base64(key))) }
                if !material.chain.isEmpty { entry.append(("chain", .array(material.chain.map { .base64($0) }))) }
                if let tree = material.treeID { entry.append(("treeID", .number(tree))) }
                return .object(entry)
            })
        ))
        return String(decoding: OrderedJSON.object(members).indented("  "), as: UTF8.self) + "\n"
    }

    private func with(
        fulcioRoot: Certificate? = nil, fulcioIntermediate: Certificate? = nil, fulcioIntermediateKey: P256.Signing.PrivateKey? = nil,
        ctLogKey: P256.Signing.PrivateKey? = nil, rekorKey: P256.Signing.PrivateKey? = nil, rekorTreeID: Int64? = nil,
        rekorV2Key: Curve25519.Signing.PrivateKey? = nil, tsaRoot: Certificate? = nil, tsaCertificate: Certificate? = nil,
        tsaKey: P256.Signing.PrivateKey? = nil, generations: [Authority: Int]? = nil, since: [Authority: Date]? = nil,
        retired: [RetiredMaterial]? = nil
    ) -> InstanceKeys {
        InstanceKeys(
            created: created, fulcioRoot: fulcioRoot ?? self.fulcioRoot, fulcioIntermediate: fulcioIntermediate ?? self.fulcioIntermediate,
            fulcioIntermediateKey: fulcioIntermediateKey ?? self.fulcioIntermediateKey, ctLogKey: ctLogKey ?? self.ctLogKey,
            rekorKey: rekorKey ?? self.rekorKey, rekorTreeID: rekorTreeID ?? self.rekorTreeID, rekorV2Key: rekorV2Key ?? self.rekorV2Key,
            tsaRoot: tsaRoot ?? self.tsaRoot, tsaCertificate: tsaCertificate ?? self.tsaCertificate, tsaKey: tsaKey ?? self.tsaKey,
            oidcKey: oidcKey, generations: generations ?? self.generations, since: since ?? self.since, retired: retired ?? self.retired)
    }
}

/// Writes `bytes` to a temporary file beside `path` with `mode`, syncs it and renames it into place.
func writeAtomically(_ path: String, _ bytes: [UInt8], mode: mode_t) throws {
    let temporary = path + ".tmp-\(getpid())"
    let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, mode)
    guard fd >= 0 else { throw InstanceError(.storage, "cannot write \(path): \(String(cString: strerror(errno)))") }
    // An existing temporary file keeps its mode: set it.
    fchmod(fd, mode)
    var offset = 0
    while offset < bytes.count {
        let n = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        if n < 0 && errno == EINTR { continue }
        if n <= 0 {
            close(fd)
            unlink(temporary)
            throw InstanceError(.storage, "cannot write \(path): \(String(cString: strerror(errno)))")
        }
        offset += n
    }
    guard fsync(fd) == 0 else {
        close(fd)
        unlink(temporary)
        throw InstanceError(.storage, "cannot write \(path): \(String(cString: strerror(errno)))")
    }
    close(fd)
    guard rename(temporary, path) == 0 else {
        unlink(temporary)
        throw InstanceError(.storage, "cannot write \(path): \(String(cString: strerror(errno)))")
    }
}
