public import Foundation
internal import HTTPTypes
public import Hummingbird
internal import SigstoreCrypto
internal import SigstoreCore
internal import SigstoreIssuing
internal import SwiftASN1
internal import X509
import SigstoreJSON

/// An RFC 3161 timestamp authority shaped like timestamp.sigstore.dev: `POST /api/v1/timestamp` (DER
/// `application/timestamp-query`, or the JSON request) answers a DER `TimeStampResp`; `GET
/// /api/v1/timestamp/certchain` gives the PEM chain. Tokens are issued by SigstoreIssuing's ``TimestampIssuer``.
public struct TimestampAuthority: Sendable {
    let keys: InstanceKeys
    let now: @Sendable () -> Date
    /// Where issued timestamps are counted.
    public var metrics: StackMetrics?

    /// Creates the authority.
    public init(keys: InstanceKeys, now: @escaping @Sendable () -> Date) {
        self.keys = keys
        self.now = now
    }

    /// Adds the routes to `router`.
    public func register(on router: some RouterMethods<BasicRequestContext>) {
        let group = router.group().add(middleware: JSONErrorMiddleware<BasicRequestContext>(style: .rekor))
        group.post("/api/v1/timestamp") { request, _ in
            var request = request
            let contentType = request.headers[.contentType] ?? ""
            let body = try await request.bodyBytes(limit: 64 * 1024)
            let query = contentType.hasPrefix("application/json") ? try Self.jsonQuery(body) : try Self.derQuery(body)
            let response = try keys.timestampIssuer.response(to: query, at: now())
            metrics?.timestampIssued()
            return Response.bytes(response, contentType: "application/timestamp-reply")
        }
        group.get("/api/v1/timestamp/certchain") { _, _ in
            let pem = try [keys.tsaCertificate, keys.tsaRoot].map { try $0.serializeAsPEM().pemString + "\n" }.joined()
            return Response.bytes(Array(pem.utf8), contentType: "application/pem-certificate-chain")
        }
        group.get("/healthz") { _, _ in Response.json(.object([("status", .string("ok"))])) }
    }

    /// Parses a DER `TimeStampReq` (RFC 3161 §2.4.1).
    static func derQuery(_ bytes: [UInt8]) throws -> TimestampRequest {
        do {
            return try TimestampRequest(derEncoded: bytes)
        } catch let error as IssuingError {
            throw ServiceError.badRequest("invalid timestamp request: \(error.message)")
        }
    }

    /// The JSON request of sigstore's timestamp-authority: `{"artifactHash", "hashAlgorithm", "certificates", "nonce"}`.
    static func jsonQuery(_ bytes: [UInt8]) throws -> TimestampRequest {
        guard let json = try? JSONParser.parse(bytes), case .object = json else {
            throw ServiceError.badRequest("invalid timestamp request: not a JSON object")
        }
        let hash = try json.requiredBase64("artifactHash", in: "timestamp request")
        guard let algorithm = HashAlgorithm(rawValue: json["hashAlgorithm"]?.stringValue ?? "sha256") else {
            throw ServiceError.badRequest("invalid timestamp request: hashAlgorithm must be sha256, sha384 or sha512")
        }
        let certificates: Bool = if case .bool(let b)? = json["certificates"] { b } else { false }
        do {
            return try TimestampRequest(
                hashAlgorithm: algorithm, hashedMessage: hash, nonce: json["nonce"]?.int64Value, certificateRequested: certificates)
        } catch {
            throw ServiceError.badRequest("invalid timestamp request: artifactHash has the wrong length")
        }
    }
}
