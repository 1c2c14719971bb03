import SwiftASN1

/// A PEM block: its label (`PUBLIC KEY`, …) and decoded body.
public struct PEMBlock: Hashable, Sendable {
    /// The label between `-----BEGIN ` and `-----`.
    public var label: String
    /// The base64-decoded body.
    public var bytes: [UInt8]

    /// Creates a block.
    public init(label: String, bytes: [UInt8]) {
        self.label = label
        self.bytes = bytes
    }

    /// Parses every PEM block in `text`, in order. Text outside blocks is ignored, as Go's `pem.Decode` does.
    ///
    /// - Throws: ``SigstoreCryptoError/Code/malformedPEM`` when there is no block or a block is damaged.
    public static func parseAll(_ text: String) throws -> [PEMBlock] {
        let documents: [PEMDocument]
        do {
            documents = try PEMDocument.parseMultiple(pemString: text)
        } catch {
            throw SigstoreCryptoError(.malformedPEM, "malformed PEM data: \(error)")
        }
        guard !documents.isEmpty else { throw SigstoreCryptoError(.malformedPEM, "no PEM block found") }
        return documents.map { PEMBlock(label: $0.discriminator, bytes: $0.derBytes) }
    }

    /// Parses the first PEM block of `text`.
    public static func parseFirst(_ text: String) throws -> PEMBlock {
        guard text.contains("-----BEGIN ") else { throw SigstoreCryptoError(.malformedPEM, "no PEM block found") }
        return try parseAll(text)[0]
    }

    /// The PEM text, 64 columns, ending in a newline (as Go's `pem.EncodeToMemory`).
    public var pemString: String {
        PEMDocument(type: label, derBytes: bytes).pemString + "\n"
    }
}
