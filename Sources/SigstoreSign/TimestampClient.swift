internal import Foundation
internal import SwiftASN1
internal import SigstoreCrypto
internal import SigstoreVerify
import SigstoreCore

/// An RFC 3161 timestamp authority client (`POST <url>`, `application/timestamp-query`).
public struct TimestampClient: Sendable {
    /// The full timestamp URL.
    public var url: String
    let http: ServiceHTTP

    /// Creates a client.
    public init(url: String, http: ServiceHTTP) {
        self.url = url
        self.http = http
    }

    /// The DER `TimeStampReq` for a SHA-256 imprint: version 1, the imprint, a random positive 63-bit nonce,
    /// `certReq` TRUE (what sigstore-go and sigstore-python send).
    static func request(imprint: [UInt8], nonce: Int64) throws -> [UInt8] {
        var serializer = DER.Serializer()
        try serializer.appendConstructedNode(identifier: .sequence) { s in
            try s.serialize(1)
            try s.appendConstructedNode(identifier: .sequence) { s in
                try s.appendConstructedNode(identifier: .sequence) { s in
                    try s.serialize(ASN1ObjectIdentifier("2.16.840.1.101.3.4.2.1"))
                    try s.serialize(ASN1Null())
                }
                try s.serialize(ASN1OctetString(contentBytes: ArraySlice(imprint)))
            }
            try s.serialize(nonce)
            try s.serialize(true)
        }
        return serializer.serializedBytes
    }

    /// Asks for a timestamp over `signature` (the imprint is its SHA-256) and returns the DER `TimeStampResp`, after
    /// checking that it was granted and that it stamps this signature.
    public func timestamp(signature: [UInt8]) async throws -> [UInt8] {
        let imprint = HashAlgorithm.sha256.digest(of: signature).bytes
        let nonce = Int64.random(in: 1...Int64.max)
        let response = try await http.send(
            "POST", url, headers: [("Content-Type", "application/timestamp-query"), ("Accept", "application/timestamp-reply")],
            body: try Self.request(imprint: imprint, nonce: nonce), maxBody: 1 << 20, service: "timestamp authority")
        guard response.status == 200 || response.status == 201 else {
            throw SigningError(
                .timestampAuthority, "the timestamp authority refused (HTTP \(response.status)): \(response.serviceMessage)")
        }
        if let status = Self.status(response.body), status > 1 {
            throw SigningError(.timestampAuthority, "the timestamp authority did not grant the request (PKIStatus \(status))")
        }
        let parsed: RFC3161Timestamp
        do {
            parsed = try RFC3161Timestamp(responseDER: response.body)
        } catch {
            throw SigningError(.timestampAuthority, "the timestamp authority's answer is not a timestamp response: \(error)")
        }
        guard parsed.imprintAlgorithm == .sha256, parsed.imprint == imprint else {
            throw SigningError(.timestampAuthority, "the timestamp authority stamped something other than this signature")
        }
        return response.body
    }

    /// The PKIStatus of a `TimeStampResp`, if it parses.
    static func status(_ der: [UInt8]) -> Int? {
        guard let root = try? DER.parse(der), case .constructed(let top) = root.content,
            let info = top.first(where: { _ in true }), case .constructed(let fields) = info.content,
            let status = fields.first(where: { _ in true }), case .primitive(let bytes) = status.content, bytes.count <= 2
        else { return nil }
        return bytes.reduce(0) { $0 << 8 | Int($1) }
    }
}
