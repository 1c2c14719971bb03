public import Foundation
internal import HTTPTypes
public import Crypto
public import Hummingbird
internal import SigstoreModels
internal import SwiftASN1
internal import X509
import SigstoreJSON

/// An RFC 3161 timestamp authority shaped like timestamp.sigstore.dev: `POST /api/v1/timestamp` (DER
/// `application/timestamp-query`, or the JSON request) answers a DER `TimeStampResp`; `GET
/// /api/v1/timestamp/certchain` gives the PEM chain.
public struct TimestampAuthority: Sendable {
    let keys: InstanceKeys
    let now: @Sendable () -> Date
    /// The policy written into every token (Sigstore's TSA policy OID).
    static let policy: [UInt] = [1, 3, 6, 1, 4, 1, 57264, 2]

    /// Creates the authority.
    public init(keys: InstanceKeys, now: @escaping @Sendable () -> Date) {
        self.keys = keys
        self.now = now
    }

    /// Adds the routes to `router`.
    public func register(on router: Router<BasicRequestContext>) {
        let group = router.group().add(middleware: JSONErrorMiddleware<BasicRequestContext>(style: .rekor))
        group.post("/api/v1/timestamp") { request, _ in
            var request = request
            let contentType = request.headers[.contentType] ?? ""
            let body = try await request.bodyBytes(limit: 64 * 1024)
            let query: Query
            if contentType.hasPrefix("application/json") {
                query = try Self.jsonQuery(body)
            } else {
                query = try Self.derQuery(body)
            }
            return Response.bytes(try response(for: query), contentType: "application/timestamp-reply")
        }
        group.get("/api/v1/timestamp/certchain") { _, _ in
            let pem = try [keys.tsaCertificate, keys.tsaRoot].map { try $0.serializeAsPEM().pemString + "\n" }.joined()
            return Response.bytes(Array(pem.utf8), contentType: "application/pem-certificate-chain")
        }
        group.get("/healthz") { _, _ in Response.json(.object([("status", .string("ok"))])) }
    }

    /// What a timestamp request asks for.
    struct Query {
        /// The DER of the request's `MessageImprint`, copied into the token.
        var messageImprintDER: [UInt8]
        /// The DER INTEGER of the nonce, echoed.
        var nonceDER: [UInt8]?
        /// Whether to embed the TSA certificate.
        var certificateRequested: Bool
    }

    static let hashOIDs: [ASN1ObjectIdentifier: Int] = [
        [2, 16, 840, 1, 101, 3, 4, 2, 1]: 32, [2, 16, 840, 1, 101, 3, 4, 2, 2]: 48, [2, 16, 840, 1, 101, 3, 4, 2, 3]: 64,
    ]

    /// Parses a DER `TimeStampReq` (RFC 3161 §2.4.1).
    static func derQuery(_ bytes: [UInt8]) throws -> Query {
        func bad(_ why: String) -> ServiceError { .badRequest("invalid timestamp request: \(why)") }
        let root: ASN1Node
        do { root = try DER.parse(bytes) } catch { throw bad("not DER") }
        guard root.identifier == .sequence, case .constructed(let children) = root.content else { throw bad("not a SEQUENCE") }
        var nodes = Array(children)
        guard nodes.count >= 2, (try? Int(derEncoded: nodes[0])) == 1 else { throw bad("version must be 1") }
        let imprint = nodes[1]
        guard imprint.identifier == .sequence, case .constructed(let imprintParts) = imprint.content else {
            throw bad("messageImprint is not a SEQUENCE")
        }
        let parts = Array(imprintParts)
        guard parts.count == 2, parts[0].identifier == .sequence, case .constructed(let algParts) = parts[0].content,
              let oidNode = Array(algParts).first, let oid = try? ASN1ObjectIdentifier(derEncoded: oidNode),
              let length = hashOIDs[oid], let hashed = try? ASN1OctetString(derEncoded: parts[1])
        else { throw bad("messageImprint must name SHA-256, SHA-384 or SHA-512") }
        guard hashed.bytes.count == length else { throw bad("the hashed message has \(hashed.bytes.count) bytes, not \(length)") }
        nodes.removeFirst(2)
        var query = Query(messageImprintDER: Array(imprint.encodedBytes), nonceDER: nil, certificateRequested: false)
        for node in nodes {
            switch node.identifier {
            case .objectIdentifier:
                guard let oid = try? ASN1ObjectIdentifier(derEncoded: node), oid == objectIdentifier(policy) else {
                    throw bad("unsupported reqPolicy")
                }
            case .integer:
                guard node.encodedBytes.count <= 2 + 32 else { throw bad("nonce too long") }
                query.nonceDER = Array(node.encodedBytes)
            case .boolean:
                query.certificateRequested = (try? Bool(derEncoded: node)) ?? false
            default:
                throw bad("extensions are not supported")
            }
        }
        return query
    }

    /// The JSON request of sigstore's timestamp-authority: `{"artifactHash", "hashAlgorithm", "certificates", "nonce"}`.
    static func jsonQuery(_ bytes: [UInt8]) throws -> Query {
        guard let json = try? JSONParser.parse(bytes), case .object = json else {
            throw ServiceError.badRequest("invalid timestamp request: not a JSON object")
        }
        let hash = try json.requiredBase64("artifactHash", in: "timestamp request")
        let oid: [UInt]
        switch json["hashAlgorithm"]?.stringValue ?? "sha256" {
        case "sha256": oid = [2, 16, 840, 1, 101, 3, 4, 2, 1]
        case "sha384": oid = [2, 16, 840, 1, 101, 3, 4, 2, 2]
        case "sha512": oid = [2, 16, 840, 1, 101, 3, 4, 2, 3]
        default: throw ServiceError.badRequest("invalid timestamp request: hashAlgorithm must be sha256, sha384 or sha512")
        }
        guard hash.count == hashOIDs[objectIdentifier(oid)] else {
            throw ServiceError.badRequest("invalid timestamp request: artifactHash has the wrong length")
        }
        let imprint = tlv(0x30, tlv(0x30, try der(objectIdentifier(oid)) + [0x05, 0x00]) + tlv(0x04, hash))
        var nonce: [UInt8]?
        if let n = json["nonce"]?.int64Value { nonce = try der(n) }
        let certificates: Bool = if case .bool(let b)? = json["certificates"] { b } else { false }
        return Query(messageImprintDER: imprint, nonceDER: nonce, certificateRequested: certificates)
    }

    /// A granted `TimeStampResp` for `query`, signed now.
    func response(for query: Query) throws -> [UInt8] {
        let time = now()
        let sha256 = tlv(0x30, try der(objectIdentifier([2, 16, 840, 1, 101, 3, 4, 2, 1])))
        let tstInfoOID = try der(objectIdentifier([1, 2, 840, 113549, 1, 9, 16, 1, 4]))
        var serial = (0..<16).map { _ in UInt8.random(in: 0...255) }
        serial[0] &= 0x7F
        serial[0] |= 0x01
        let tsaName = tlv(0xA0, tlv(0xA4, try der(keys.tsaCertificate.subject)))
        var tst = tlv(0x02, [1]) + (try der(objectIdentifier(Self.policy))) + query.messageImprintDER
        tst += tlv(0x02, serial) + (try der(Self.generalizedTime(time))) + tlv(0x30, tlv(0x02, [1]))
        if let nonce = query.nonceDER { tst += nonce }
        tst += tsaName
        let tstInfo = tlv(0x30, tst)

        let certificate = try der(keys.tsaCertificate)
        let issuerAndSerial = tlv(0x30, (try der(keys.tsaCertificate.issuer)) + derInteger(Array(keys.tsaCertificate.serialNumber.bytes)))
        let essCertID = tlv(0x30,
            tlv(0x04, Array(SHA256.hash(data: certificate)))
                + tlv(0x30, tlv(0x30, tlv(0xA4, try der(keys.tsaCertificate.issuer))) + derInteger(Array(keys.tsaCertificate.serialNumber.bytes))))
        func attribute(_ oid: [UInt], _ value: [UInt8]) throws -> [UInt8] {
            tlv(0x30, (try der(objectIdentifier(oid))) + tlv(0x31, value))
        }
        // SET OF is DER-sorted by encoding (rfc3161-client enforces it).
        let attributes = [
            try attribute([1, 2, 840, 113549, 1, 9, 3], tstInfoOID),
            try attribute([1, 2, 840, 113549, 1, 9, 5], try der(Self.utcTime(time))),
            try attribute([1, 2, 840, 113549, 1, 9, 4], tlv(0x04, Array(SHA256.hash(data: tstInfo)))),
            try attribute([1, 2, 840, 113549, 1, 9, 16, 2, 47], tlv(0x30, tlv(0x30, essCertID))),
        ].sorted { $0.lexicographicallyPrecedes($1) }
        let signedAttributes = attributes.flatMap { $0 }
        let signature = Array(try keys.tsaKey.signature(for: SHA256.hash(data: tlv(0x31, signedAttributes))).derRepresentation)
        let signerInfo = tlv(0x30,
            tlv(0x02, [1]) + issuerAndSerial + sha256 + tlv(0xA0, signedAttributes)
                + tlv(0x30, try der(objectIdentifier([1, 2, 840, 10045, 4, 3, 2]))) + tlv(0x04, signature))
        var signedData = tlv(0x02, [3]) + tlv(0x31, sha256) + tlv(0x30, tstInfoOID + tlv(0xA0, tlv(0x04, tstInfo)))
        if query.certificateRequested { signedData += tlv(0xA0, certificate) }
        signedData += tlv(0x31, signerInfo)
        let contentInfo = tlv(0x30, (try der(objectIdentifier([1, 2, 840, 113549, 1, 7, 2]))) + tlv(0xA0, tlv(0x30, signedData)))
        return tlv(0x30, tlv(0x30, tlv(0x02, [0])) + contentInfo)
    }

    static func utcTime(_ date: Date) throws -> UTCTime {
        let c = CivilTime(date)
        return try UTCTime(year: c.year, month: c.month, day: c.day, hours: c.hour, minutes: c.minute, seconds: c.second)
    }

    static func generalizedTime(_ date: Date) throws -> GeneralizedTime {
        let c = CivilTime(date)
        return try GeneralizedTime(
            year: c.year, month: c.month, day: c.day, hours: c.hour, minutes: c.minute, seconds: c.second, fractionalSeconds: 0)
    }
}

/// A DER INTEGER of a non-negative big-endian magnitude: minimal, with a 0x00 before a high bit.
func derInteger(_ magnitude: [UInt8]) -> [UInt8] {
    var bytes = Array(magnitude.drop(while: { $0 == 0 }))
    if bytes.isEmpty || bytes[0] & 0x80 != 0 { bytes.insert(0, at: 0) }
    return tlv(0x02, bytes)
}

/// A DER TLV with a one-byte identifier.
func tlv(_ identifier: UInt8, _ content: [UInt8]) -> [UInt8] {
    var out: [UInt8] = [identifier]
    let n = content.count
    if n < 0x80 {
        out.append(UInt8(n))
    } else {
        var lengthBytes: [UInt8] = []
        var m = n
        while m > 0 {
            lengthBytes.insert(UInt8(m & 0xFF), at: 0)
            m >>= 8
        }
        out.append(0x80 | UInt8(lengthBytes.count))
        out += lengthBytes
    }
    return out + content
}

/// A UTC calendar date and time of day, from Foundation's Gregorian calendar.
struct CivilTime {
    var year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int

    static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 0)!
        return calendar
    }()

    init(_ date: Date) {
        let c = Self.utc.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        year = c.year!
        month = c.month!
        day = c.day!
        hour = c.hour!
        minute = c.minute!
        second = c.second!
    }
}

/// An OID from constant arcs.
func objectIdentifier(_ arcs: [UInt]) -> ASN1ObjectIdentifier {
    try! ASN1ObjectIdentifier(elements: arcs)
}
