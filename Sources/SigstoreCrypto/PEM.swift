#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import SwiftASN1
import SigstoreCore

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
    /// - Throws: ``SigstoreCryptoError`` (`.malformedPEM`) when there is no block or a block is damaged.
    public static func parseAll(_ text: String) throws -> [PEMBlock] {
        var text = text
        return try text.withUTF8 { try parseAll(bytes: $0) }
    }

    /// Parses every PEM block in UTF-8 bytes; see ``parseAll(_:)``.
    public static func parseAll(bytes: UnsafeBufferPointer<UInt8>) throws -> [PEMBlock] {
        // Lines without trailing spaces, tabs or carriage returns.
        var lines: [Range<Int>] = []
        var lineStart = 0
        for i in 0...bytes.count where i == bytes.count || bytes[i] == 0x0A {
            var end = i
            while end > lineStart, [0x20, 0x09, 0x0D].contains(bytes[end - 1]) { end -= 1 }
            lines.append(lineStart..<end)
            lineStart = i + 1
        }
        func line(_ r: Range<Int>) -> UnsafeBufferPointer<UInt8>.SubSequence { bytes[r] }
        let begin = Array("-----BEGIN ".utf8)
        let dashes = Array("-----".utf8)
        var blocks: [PEMBlock] = []
        var i = 0
        while i < lines.count {
            let l = line(lines[i])
            guard l.count > 16, l.starts(with: begin), l.reversed().starts(with: dashes) else {
                i += 1
                continue
            }
            let labelBytes = l.dropFirst(11).dropLast(5)
            let label = String(decoding: labelBytes, as: UTF8.self)
            let endLine = Array("-----END ".utf8) + Array(labelBytes) + dashes
            guard let end = lines[(i + 1)...].firstIndex(where: { line($0).elementsEqual(endLine) }) else {
                throw SigstoreCryptoError(.malformedPEM, "malformed PEM data: no \"-----END \(label)-----\" line")
            }
            var body = Array(lines[(i + 1)..<end])
            if body.contains(where: { line($0).contains(UInt8(ascii: ":")) }) {
                // RFC 1421 headers end at the first empty line.
                guard let blank = body.firstIndex(where: { $0.isEmpty }) else {
                    throw SigstoreCryptoError(.malformedPEM, "malformed PEM data: headers without a blank line")
                }
                body = Array(body[(blank + 1)...])
            }
            var base64: [UInt8] = []
            base64.reserveCapacity(body.reduce(0) { $0 + $1.count })
            for r in body {
                for c in line(r) where c != 0x20 && c != 0x09 && c != 0x0D { base64.append(c) }
            }
            guard base64.count % 4 == 0, let decoded = Data(base64Encoded: Data(base64)) else {
                throw SigstoreCryptoError(.malformedPEM, "malformed PEM data: the \(label) block is not valid base64")
            }
            blocks.append(PEMBlock(label: label, bytes: Array(decoded)))
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
        guard !bytes.isEmpty else { return PEMDocument(type: label, derBytes: bytes).pemString + "\n" }
        // Foundation's encoder breaks the lines itself; swift-asn1's PEMDocument gives the same text at about a
        // tenth of the speed (a certificate's PEM is written once per verified bundle, to compare with the log's).
        let body = Data(bytes).base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
        return "-----BEGIN \(label)-----\n" + body + "\n-----END \(label)-----\n"
    }
}
