import Foundation
import SigstoreCrypto
import SwiftASN1
import Testing

/// Hex, digests and hash names: the small parsers every command line argument and bundle goes through.
@Suite("Hex, digests and hash algorithms")
struct EncodingTests {
    @Test(
        "hex decodes either case and refuses the rest",
        arguments: [
            ("", [UInt8]()), ("00ff", [0x00, 0xFF]), ("ABcd", [0xAB, 0xCD]), ("0", nil), ("0g", nil), ("0x00", nil), (" 00", nil),
            ("é0", nil),
        ] as [(String, [UInt8]?)])
    func hex(text: String, bytes: [UInt8]?) {
        #expect(Hex.decode(text) == bytes)
        if let bytes { #expect(Hex.encode(bytes) == text.lowercased()) }
    }

    @Test(
        "digests parse as <algorithm>:<hex>, the name in any case",
        arguments: [
            "sha256:" + String(repeating: "ab", count: 32), "SHA384:" + String(repeating: "0", count: 96),
            "sha512:" + String(repeating: "F", count: 128),
        ])
    func digest(text: String) throws {
        let digest = try ArtifactDigest(parsing: text)
        #expect(digest.description == text.lowercased())
        #expect(digest.bytes.count == digest.algorithm.byteCount)
    }

    @Test(
        "malformed digests are refused",
        arguments: [
            "", ":", "sha256:", "sha256" + String(repeating: "0", count: 64), "sha1:" + String(repeating: "0", count: 40),
            "sha256:" + String(repeating: "0", count: 63), "sha256:" + String(repeating: "0", count: 66), "sha256: " + String(repeating: "0", count: 64),
            "sha256:" + String(repeating: "0", count: 62) + "zz",
        ])
    func badDigest(text: String) {
        #expect(throws: SigstoreCryptoError.self) { try ArtifactDigest(parsing: text) }
    }

    @Test("protobuf-specs names and OIDs map to the same algorithms", arguments: HashAlgorithm.allCases)
    func names(algorithm: HashAlgorithm) {
        #expect(HashAlgorithm(protoName: algorithm.protoName) == algorithm)
        #expect(HashAlgorithm(oid: algorithm.oid) == algorithm)
        #expect(HashAlgorithm(protoName: algorithm.rawValue) == nil)
        #expect(HashAlgorithm(oid: OID.ecdsaWithSHA256) == nil)
    }
}

/// The typed DER helpers of SigstoreCrypto: integers kept as written, algorithm identifiers, calendar arithmetic.
@Suite("DER helpers")
struct DERTests {
    @Test(
        "signed integers encode minimally",
        arguments: [
            (0, "00"), (1, "01"), (127, "7f"), (128, "0080"), (255, "00ff"), (256, "0100"), (-1, "ff"), (-128, "80"), (-129, "ff7f"),
            (Int64.max, "7fffffffffffffff"), (Int64.min, "8000000000000000"),
        ] as [(Int64, String)])
    func signedIntegers(value: Int64, hex: String) throws {
        #expect(Hex.encode(IntegerBytes(value).contentBytes) == hex)
        // swift-asn1 reads the same value back.
        #expect(try Int64(derEncoded: try DER.encoding(IntegerBytes(value))) == value)
    }

    @Test(
        "magnitudes encode as non-negative integers; leading zeros are not part of the magnitude",
        arguments: [([UInt8](), "00"), ([0x00, 0x00], "00"), ([0x7F], "7f"), ([0x80], "0080"), ([0x00, 0x81, 0x77], "008177")])
    func magnitudes(magnitude: [UInt8], hex: String) {
        let integer = IntegerBytes(magnitude: magnitude)
        #expect(Hex.encode(integer.contentBytes) == hex)
        #expect(integer.magnitude == Array(magnitude.drop(while: { $0 == 0 })))
    }

    @Test("integers are read as written, even when not minimal (a serial number is compared, not re-encoded)")
    func integersAsWritten() throws {
        let nonMinimal: [UInt8] = [0x02, 0x03, 0x00, 0x00, 0x05]
        let integer = try IntegerBytes(derEncoded: nonMinimal)
        #expect(integer.contentBytes == [0x00, 0x00, 0x05] && integer.magnitude == [0x05])
        #expect(try DER.encoding(integer) == nonMinimal)
        #expect(throws: (any Error).self) { try IntegerBytes(derEncoded: [0x02, 0x00]) }
        #expect(throws: (any Error).self) { try IntegerBytes(derEncoded: [0x04, 0x01, 0x00]) }
    }

    @Test("algorithm identifiers keep their parameters: absent, NULL, or a curve")
    func algorithmIdentifiers() throws {
        for hex in ["300b0609608648016503040201", "300d06096086480165030402010500", "301306072a8648ce3d020106082a8648ce3d030107"] {
            let bytes = try #require(Hex.decode(hex))
            #expect(try DER.encoding(try AlgorithmIdentifier(derEncoded: bytes)) == bytes)
        }
        let ec = try AlgorithmIdentifier(derEncoded: try #require(Hex.decode("301306072a8648ce3d020106082a8648ce3d030107")))
        #expect(ec.algorithm == OID.ecPublicKey && ec.namedCurve == OID.p256)
        #expect(try DER.encoding(AlgorithmIdentifier.digest(.sha256, nullParameters: true)) == Hex.decode("300d06096086480165030402010500"))
    }

    @Test(
        "civil time agrees with the calendar around epochs, leap days and centuries",
        arguments: [
            (0, "1970-01-01T00:00:00Z"), (-1, "1969-12-31T23:59:59Z"), (951_782_400, "2000-02-29T00:00:00Z"),
            (4_107_542_399, "2100-02-28T23:59:59Z"), (1_750_000_000.9, "2025-06-15T15:06:40Z"), (-2_208_988_800, "1900-01-01T00:00:00Z"),
        ] as [(TimeInterval, String)])
    func civilTime(seconds: TimeInterval, rfc3339: String) throws {
        let date = Date(timeIntervalSince1970: seconds)
        #expect(CivilTime(date).rfc3339 == rfc3339)
        if seconds == seconds.rounded(.down) { #expect(date.formatted(Date.ISO8601FormatStyle()) == rfc3339) }
        // GeneralizedTime keeps whole seconds and converts back.
        #expect(Date(try GeneralizedTime(date)) == Date(timeIntervalSince1970: seconds.rounded(.down)))
    }
}
