import Crypto
import Foundation
import SigstoreCore
import SigstoreCrypto
import SigstoreIssuing
import SigstoreModels
import SigstoreTesting
import SigstoreVerify
import SwiftASN1
import Testing
import X509

/// TimestampRequest and TimestampIssuer: requests parsed and refused as RFC 3161 says, tokens the verifier (and
/// openssl) accept.
@Suite("RFC 3161 timestamps")
struct TimestampIssuerTests {
    static let tsaRoot = try! IssuingAuthority.root(subject: try! name("tsa-root"), notValidBefore: epoch, notValidAfter: tenYears)
    static let tsaKey = P256.Signing.PrivateKey()
    static let issuer = TimestampIssuer(authority: IssuingAuthority(
        certificate: try! tsaRoot.timestampingCertificate(
            subject: try! name("tsa"), publicKey: tsaKey.publicKey, notValidBefore: epoch, notValidAfter: tenYears),
        privateKey: tsaKey))

    static func authority(listLeaf: Bool) throws -> TrustMaterial.Authority {
        let chain = (listLeaf ? [issuer.authority.certificate] : []) + [tsaRoot.certificate]
        let root = TrustedRoot(timestampAuthorities: [
            CertificateAuthority(
                organization: "issuing-tests", commonName: "tsa", uri: "https://tsa.test", certificateChain: try chain.map { try $0.derBytes() },
                validFor: TimeRange(start: epoch, end: nil))
        ])
        return try #require(try TrustMaterial(trustedRoot: root).timestampAuthorities.first)
    }

    @Test("a token verifies for the signature it time-stamps, with or without the certificate embedded", arguments: [true, false])
    func verifies(embedCertificate: Bool) async throws {
        let signature = Array("a signature".utf8)
        let request = try TimestampRequest(
            hashAlgorithm: .sha256, hashedMessage: Array(SHA256.hash(data: signature)), nonce: 42, certificateRequested: embedCertificate)
        let token = try RFC3161Timestamp(responseDER: try Self.issuer.response(to: request, at: signingTime))
        #expect(token.certificates.count == (embedCertificate ? 1 : 0))
        // Without an embedded certificate, the trusted root must list the TSA's own.
        let time = try await token.verify(signature: signature, authority: try Self.authority(listLeaf: !embedCertificate))
        #expect(time == signingTime)
        await #expect(throws: VerificationError(.timestamp, "")) {
            try await token.verify(signature: Array("another".utf8), authority: try Self.authority(listLeaf: true))
        }
    }

    @Test("every digest size is time-stamped", arguments: HashAlgorithm.allCases)
    func digests(algorithm: HashAlgorithm) async throws {
        let signature = Array("signed".utf8)
        let request = try TimestampRequest(
            hashAlgorithm: algorithm, hashedMessage: algorithm.digest(of: signature).bytes, certificateRequested: true)
        let token = try RFC3161Timestamp(responseDER: try Self.issuer.response(to: request, at: signingTime))
        #expect(token.imprintAlgorithm == algorithm)
        _ = try await token.verify(signature: signature, authority: try Self.authority(listLeaf: true))
    }

    @Test("a DER request round-trips: imprint, nonce and certificate request")
    func requestRoundTrip() throws {
        let request = try TimestampRequest(
            hashAlgorithm: .sha384, hashedMessage: [UInt8](repeating: 0xAB, count: 48), nonce: -5, certificateRequested: true)
        let parsed = try TimestampRequest(derEncoded: try request.derRepresentation)
        #expect(parsed == request)
        #expect(parsed.hashAlgorithm == .sha384 && parsed.certificateRequested)
    }

    @Test("a request as openssl writes it is read: SHA-256 with NULL parameters, a nonce, certReq")
    func opensslRequest() throws {
        let bytes = try #require(Hex.decode(
            "303c0201013031300d06096086480165030402010500042000000000000000000000000000000000000000000000000000000000000000000201050101ff"))
        let request = try TimestampRequest(derEncoded: bytes)
        #expect(request.hashAlgorithm == .sha256 && request.hashedMessage == [UInt8](repeating: 0, count: 32))
        #expect(request.certificateRequested)
        #expect(try request.derRepresentation == bytes)
    }

    /// A SHA-256 `TimeStampReq` with NULL parameters and an all-zero hash, up to the optional fields (hex).
    static let sha256Head = "0201013031300d060960864801650304020105000420" + String(repeating: "00", count: 32)

    /// Requests broken in one way each (hex of the DER) and the refusal each gets.
    static let broken: [(String, IssuingErrorCode)] = [
        ("", .malformedRequest),
        ("3003020102", .malformedRequest),  // version 2 and nothing else (BadInputTests sends this one)
        ("30290201013024300d06096086480165030402010500041300000000000000000000000000000000000000", .malformedRequest),  // 19-byte SHA-256
        ("30250201013020300c06082a864886f70d02050500041000000000000000000000000000000000", .unsupportedRequest),  // MD5
        ("3040" + sha256Head + "06082b06010401018e6d", .unsupportedRequest),  // another policy
        ("303d" + sha256Head + "a0053003020100", .unsupportedRequest),  // extensions
        ("305b" + sha256Head + "022301" + String(repeating: "00", count: 34), .malformedRequest),  // 35-byte nonce
        ("303c" + sha256Head + "0201050101ff00", .malformedRequest),  // a trailing byte
    ]

    @Test("malformed or unsupported requests are refused", arguments: broken)
    func refused(hex: String, code: IssuingErrorCode) throws {
        let bytes = try #require(Hex.decode(hex))
        #expect(throws: IssuingError(code, "")) { try TimestampRequest(derEncoded: bytes) }
    }

    @Test("a hash of the wrong length is refused when building a request")
    func wrongLength() {
        #expect(throws: IssuingError(.malformedRequest, "")) {
            try TimestampRequest(hashAlgorithm: .sha256, hashedMessage: [1, 2, 3], certificateRequested: false)
        }
    }

    // openssl is the reference RFC 3161 verifier: skipped where it is missing, a failure under CI=true.
    @Test("openssl ts -verify accepts a token", .enabled(if: Requirement.tool("openssl").shouldRun, "needs openssl"))
    func openssl() throws {
        try Requirement.tool("openssl").check()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tsa-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = Array("time-stamp me".utf8)
        let request = try TimestampRequest(hashAlgorithm: .sha256, hashedMessage: Array(SHA256.hash(data: data)), nonce: 7, certificateRequested: true)
        func write(_ name: String, _ bytes: [UInt8]) throws -> String {
            let path = directory.appendingPathComponent(name).path
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            return path
        }
        let reply = try write("reply.tsr", try Self.issuer.response(to: request, at: Date()))
        let artifact = try write("data", data)
        let ca = try write("ca.pem", Array(try Self.tsaRoot.certificate.serializeAsPEM().pemString.utf8))
        let untrusted = try write("tsa.pem", Array(try Self.issuer.authority.certificate.serializeAsPEM().pemString.utf8))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl", "ts", "-verify", "-in", reply, "-data", artifact, "-CAfile", ca, "-untrusted", untrusted]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "openssl: \(text)")
        #expect(text.contains("Verification: OK"))
    }
}

extension Certificate {
    func derBytes() throws -> [UInt8] { try DER.encoding(self) }
}
