internal import Crypto
public import SigstoreCrypto
internal import SigstoreModels
import SigstoreJSON
import SigstoreCore

/// A C2SP signed note: a text body and one or more signature lines (`— <name> <base64(hint ‖ signature)>`).
public struct SignedNote: Sendable, Hashable {
    /// One signature line.
    public struct Signature: Sendable, Hashable {
        /// The key name.
        public var name: String
        /// The first four bytes of the key hash.
        public var keyHint: [UInt8]
        /// The signature bytes.
        public var signature: [UInt8]
    }

    /// The signed text, through the newline that ends its last line.
    public var text: String
    /// The signature lines, in order.
    public var signatures: [Signature]

    /// Parses a note. Exactly one blank line must separate the text from the signatures.
    public init(_ envelope: String) throws {
        let bytes = Array(envelope.utf8)
        guard bytes.count <= 1 << 20 else { throw VerificationError(.transparencyLog, "checkpoint is larger than 1 MiB") }
        var splits: [Int] = []
        if bytes.count >= 2 {
            for i in 0..<(bytes.count - 1) where bytes[i] == 0x0A && bytes[i + 1] == 0x0A { splits.append(i) }
        }
        guard splits.count == 1, let split = splits.first else {
            throw VerificationError(.transparencyLog, "malformed checkpoint: expected exactly one blank line between text and signatures")
        }
        text = String(decoding: bytes[...split], as: UTF8.self)
        let sigPart = bytes[(split + 2)...]
        guard sigPart.last == 0x0A else {
            throw VerificationError(.transparencyLog, "malformed checkpoint: signature lines must end with a newline")
        }
        var parsed: [Signature] = []
        // Bytes, as Go's note package reads them: "— " (U+2014, a space), the key name, a space, base64.
        let dash: [UInt8] = [0xE2, 0x80, 0x94, 0x20]
        for line in sigPart.dropLast().split(separator: 0x0A, omittingEmptySubsequences: false) {
            guard line.starts(with: dash) else {
                throw VerificationError(.transparencyLog, "malformed checkpoint: signature line does not start with an em dash")
            }
            let fields = line.dropFirst(dash.count).split(separator: 0x20, omittingEmptySubsequences: false)
            let encoded = fields.count == 2 ? String(decoding: fields[1], as: UTF8.self) : ""
            // Canonical base64 only: a signature line whose padding bits were changed decodes to the same bytes, and a
            // checkpoint is taken exactly as its signer wrote it.
            guard fields.count == 2, !fields[0].isEmpty, let raw = Base64.decodeStrict(encoded), raw.count > 4,
                Base64.encode(raw) == encoded
            else {
                throw VerificationError(.transparencyLog, "malformed checkpoint signature line")
            }
            parsed.append(
                Signature(name: String(decoding: fields[0], as: UTF8.self), keyHint: Array(raw[0..<4]), signature: Array(raw[4...])))
        }
        guard !parsed.isEmpty else { throw VerificationError(.transparencyLog, "checkpoint has no signatures") }
        signatures = parsed
    }

    /// Whether some signature line with this name (any name when nil) and key hint verifies with `key`.
    ///
    /// Ed25519 signs the text itself; ECDSA and RSA sign its SHA-256 digest.
    public func isSigned(by key: PublicKey, keyHint: [UInt8], name: String?) -> Bool {
        let message = Array(text.utf8)
        for sig in signatures where sig.keyHint == keyHint && (name == nil || sig.name == name) {
            do {
                if key.signsWholeMessage {
                    try key.verifySignature(sig.signature, message: message)
                } else {
                    try key.verifySignature(sig.signature, digest: HashAlgorithm.sha256.digest(of: message))
                }
                return true
            } catch {
                continue
            }
        }
        return false
    }

    /// The C2SP key ID of a note verifier key (`rekor-tiles pkg/note`): Ed25519 hashes name, newline, algorithm byte
    /// and key; ECDSA keys hash their PKIX DER; RSA hashes name, newline, 0xFF, an algorithm label and the PKIX DER.
    public static func keyID(name: String, key: PublicKey) -> [UInt8] {
        var h = SHA256()
        switch key.kind {
        case .ed25519:
            h.update(data: Array(name.utf8) + [0x0A, 0x01] + Array(key.derRepresentation.suffix(32)))
        case .rsa:
            h.update(data: Array(name.utf8) + [0x0A, 0xFF] + Array("PKIX-RSA-PKCS#1v1.5".utf8) + key.derRepresentation)
        case .ecdsaP256, .ecdsaP384, .ecdsaP521:
            h.update(data: key.derRepresentation)
        }
        return Array(h.finalize())
    }
}

/// The body of a transparency-log checkpoint: origin, tree size, root hash and optional extra lines.
public struct Checkpoint: Sendable, Hashable {
    /// The log's origin line.
    public var origin: String
    /// The tree size.
    public var size: UInt64
    /// The Merkle root hash.
    public var rootHash: [UInt8]
    /// Any further lines (e.g. Rekor v1's `Timestamp: …`).
    public var otherContent: [String]

    /// Parses the text part of a signed note.
    public init(text: String) throws {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard lines.last == "" else { throw VerificationError(.transparencyLog, "malformed checkpoint: text must end with a newline") }
        lines.removeLast()
        guard lines.count >= 3, !lines[0].isEmpty else {
            throw VerificationError(.transparencyLog, "malformed checkpoint: needs an origin, a tree size and a root hash")
        }
        guard lines[1].utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let size = UInt64(lines[1]),
            lines[1] == String(size)
        else {
            throw VerificationError(.transparencyLog, "malformed checkpoint: tree size \"\(lines[1])\" is not a decimal number")
        }
        guard let root = Base64.decodeStrict(lines[2]), root.count == 32 else {
            throw VerificationError(.transparencyLog, "malformed checkpoint: root hash is not 32 bytes of base64")
        }
        origin = lines[0]
        self.size = size
        rootHash = root
        otherContent = Array(lines[3...])
    }

    /// The `<host>` of a Rekor v1 origin `<host> - <tree id>`; nil for other origins.
    public var rekorV1Host: String? {
        guard isRekorV1 else { return nil }
        let digits = origin.utf8.reversed().prefix { $0 >= 0x30 && $0 <= 0x39 }.count
        return String(decoding: origin.utf8.dropLast(digits + 3), as: UTF8.self)
    }

    /// Whether the origin has Rekor v1's `<host> - <tree id>` form.
    public var isRekorV1: Bool {
        let digits = origin.utf8.reversed().prefix { $0 >= 0x30 && $0 <= 0x39 }.count
        guard digits > 0 else { return false }
        return origin.utf8.dropLast(digits).reversed().starts(with: Array(" - ".utf8.reversed()))
    }
}
