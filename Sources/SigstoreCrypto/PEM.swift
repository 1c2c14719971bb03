#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
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

    /// Parses every PEM block in `text`, in order, as Go's `pem.Decode` does: text outside blocks is ignored, body
    /// lines may have any length, whitespace in the body is ignored, and RFC 1421 headers are skipped.
    ///
    /// - Throws: ``SigstoreCryptoError/Code/malformedPEM`` when there is no block or a block is damaged.
    public static func parseAll(_ text: String) throws -> [PEMBlock] {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            var l = Substring(line)
            while let last = l.last, last == " " || last == "\t" || last == "\r" { l = l.dropLast() }
            return l
        }
        var blocks: [PEMBlock] = []
        var i = 0
        while i < lines.count {
            let line = lines[i]
            guard line.hasPrefix("-----BEGIN "), line.hasSuffix("-----"), line.count > 16 else {
                i += 1
                continue
            }
            let label = String(line.dropFirst(11).dropLast(5))
            let endLine = "-----END \(label)-----"
            guard let end = lines[(i + 1)...].firstIndex(where: { $0 == endLine }) else {
                throw SigstoreCryptoError(.malformedPEM, "malformed PEM data: no \"\(endLine)\" line")
            }
            var body = Array(lines[(i + 1)..<end])
            if body.contains(where: { $0.contains(":") }) {
                // RFC 1421 headers end at the first empty line.
                guard let blank = body.firstIndex(where: { $0.isEmpty }) else {
                    throw SigstoreCryptoError(.malformedPEM, "malformed PEM data: headers without a blank line")
                }
                body = Array(body[(blank + 1)...])
            }
            let base64 = body.joined().filter { !$0.isWhitespace }
            guard base64.utf8.count % 4 == 0, let bytes = Data(base64Encoded: base64) else {
                throw SigstoreCryptoError(.malformedPEM, "malformed PEM data: the \(label) block is not valid base64")
            }
            blocks.append(PEMBlock(label: label, bytes: Array(bytes)))
            i = end + 1
        }
        guard !blocks.isEmpty else { throw SigstoreCryptoError(.malformedPEM, "no PEM block found") }
        return blocks
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
