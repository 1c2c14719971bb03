import SigstoreCrypto
import SwiftASN1
import Testing

/// PEMBlock against Go's `pem.Decode` behaviour: what is read, what is skipped, what is refused.
@Suite("PEM blocks")
struct PEMTests {
    static let body = "MAMCAQE="  // 30 03 02 01 01
    static let bytes: [UInt8] = [0x30, 0x03, 0x02, 0x01, 0x01]

    @Test(
        "tricky but valid PEM is read",
        arguments: [
            "-----BEGIN X-----\n\(body)\n-----END X-----\n",
            "-----BEGIN X-----\r\n\(body)\r\n-----END X-----\r\n",  // CRLF
            "leading text\n-----BEGIN X-----\n\(body)\n-----END X-----\ntrailing text",  // text around the block
            "-----BEGIN X-----\nMAMC\n  AQE=\n-----END X-----",  // short lines, indentation, no final newline
            "-----BEGIN X-----   \n\(body)\t\n-----END X-----",  // trailing whitespace on lines
            "-----BEGIN X-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES\n\n\(body)\n-----END X-----\n",  // RFC 1421 headers
        ])
    func valid(text: String) throws {
        let block = try PEMBlock.parseFirst(text)
        #expect(block.label == "X")
        #expect(block.bytes == Self.bytes)
    }

    @Test(
        "damaged PEM is refused",
        arguments: [
            "",  // nothing
            "MAMCAQE=",  // no armour
            "-----BEGIN X-----\n\(body)\n",  // no END line
            "-----BEGIN X-----\n\(body)\n-----END Y-----\n",  // END of another label
            "-----BEGIN X-----\nMAMCAQ\n-----END X-----\n",  // base64 not a multiple of four
            "-----BEGIN X-----\nMAM*AQE=\n-----END X-----\n",  // not base64
            "-----BEGIN X-----\nKey: value\n\(body)\n-----END X-----\n",  // headers without a blank line
        ])
    func damaged(text: String) {
        #expect(throws: SigstoreCryptoError.self) { try PEMBlock.parseFirst(text) }
    }

    @Test("every block is read in order; writing and reading round-trips at 64 columns")
    func many() throws {
        let long = PEMBlock(label: "CERTIFICATE", bytes: Array(0..<200))
        let text = long.pemString + PEMBlock(label: "PUBLIC KEY", bytes: Self.bytes).pemString
        let blocks = try PEMBlock.parseAll(text)
        #expect(blocks.map(\.label) == ["CERTIFICATE", "PUBLIC KEY"])
        #expect(blocks[0] == long)
        #expect(long.pemString.split(separator: "\n").allSatisfy { $0.count <= 64 })
        #expect(long.pemString.hasSuffix("-----END CERTIFICATE-----\n"))
    }

    @Test("the text written is swift-asn1's PEMDocument's, with Go's final newline, at every length around the line breaks")
    func sameAsPEMDocument() {
        for count in [1, 2, 3, 45, 46, 47, 48, 49, 95, 96, 97, 300, 1234] {
            let bytes = (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            #expect(
                PEMBlock(label: "CERTIFICATE", bytes: bytes).pemString
                    == PEMDocument(type: "CERTIFICATE", derBytes: bytes).pemString + "\n", "\(count) bytes")
        }
    }
}
