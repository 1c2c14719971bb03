#if canImport(FoundationEssentials)
package import FoundationEssentials
#else
package import Foundation
#endif
package import SwiftASN1

/// An X.509 `AlgorithmIdentifier`: an OID and optional parameters (RFC 5280 §4.1.1.2).
package struct AlgorithmIdentifier: DERImplicitlyTaggable, Hashable, Sendable {
    package static var defaultIdentifier: ASN1Identifier { .sequence }

    /// The algorithm.
    package var algorithm: ASN1ObjectIdentifier
    /// Its parameters, kept as written (absent, `NULL`, or a named curve).
    package var parameters: ASN1Any?

    /// Creates an identifier.
    package init(algorithm: ASN1ObjectIdentifier, parameters: ASN1Any? = nil) {
        self.algorithm = algorithm
        self.parameters = parameters
    }

    package init(derEncoded node: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(node, identifier: identifier) { nodes in
            let oid = try ASN1ObjectIdentifier(derEncoded: &nodes)
            let parameters = nodes.next().map { ASN1Any(derEncoded: $0) }
            return AlgorithmIdentifier(algorithm: oid, parameters: parameters)
        }
    }

    package func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { coder in
            try coder.serialize(algorithm)
            if let parameters { try coder.serialize(parameters) }
        }
    }

    /// The named curve carried as EC parameters, if any.
    package var namedCurve: ASN1ObjectIdentifier? {
        guard let parameters else { return nil }
        return try? ASN1ObjectIdentifier(asn1Any: parameters)
    }

    /// A digest algorithm with `NULL` parameters, as RFC 3161 clients usually write it.
    package static func digest(_ algorithm: HashAlgorithm, nullParameters: Bool) -> AlgorithmIdentifier {
        AlgorithmIdentifier(algorithm: algorithm.oid, parameters: nullParameters ? try? ASN1Any(erasing: ASN1Null()) : nil)
    }
}

/// An INTEGER kept as its content octets: serial numbers and nonces, which are read as written (a token is not
/// refused for a non-minimal serial), echoed byte for byte, and compared as magnitudes.
package struct IntegerBytes: DERImplicitlyTaggable, Hashable, Sendable {
    package static var defaultIdentifier: ASN1Identifier { .integer }

    /// The content octets, two's complement, big-endian.
    package var contentBytes: [UInt8]

    /// An integer with exactly these content octets.
    package init(contentBytes: [UInt8]) { self.contentBytes = contentBytes.isEmpty ? [0] : contentBytes }

    /// The minimal DER encoding of a non-negative big-endian magnitude (a 0x00 before a high bit).
    package init(magnitude: some Sequence<UInt8>) {
        var bytes = Array(magnitude.drop(while: { $0 == 0 }))
        if bytes.isEmpty || bytes[0] & 0x80 != 0 { bytes.insert(0, at: 0) }
        contentBytes = bytes
    }

    /// The minimal DER encoding of a signed integer.
    package init(_ value: Int64) {
        var bytes = withUnsafeBytes(of: value.bigEndian, Array.init)
        while bytes.count > 1, (bytes[0] == 0 && bytes[1] & 0x80 == 0) || (bytes[0] == 0xFF && bytes[1] & 0x80 != 0) {
            bytes.removeFirst()
        }
        contentBytes = bytes
    }

    /// The value's magnitude without leading zero octets.
    package var magnitude: [UInt8] { Array(contentBytes.drop(while: { $0 == 0 })) }

    package init(derEncoded node: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        guard node.identifier == identifier, case .primitive(let bytes) = node.content, !bytes.isEmpty else {
            throw ASN1Error.invalidASN1Object(reason: "expected a non-empty INTEGER")
        }
        contentBytes = Array(bytes)
    }

    package func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        coder.appendPrimitiveNode(identifier: identifier) { $0.append(contentsOf: contentBytes) }
    }
}

/// An already-encoded element (a certificate, a `Name`), parsed as a whole and written back byte for byte.
package struct RawDER: DERParseable, DERSerializable, Hashable, Sendable {
    /// The element's DER encoding, identifier and length included.
    package var bytes: [UInt8]

    /// Wraps an encoding.
    package init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// The encoding of a serializable value.
    package init(encoding value: some DERSerializable) throws {
        var coder = DER.Serializer()
        try coder.serialize(value)
        bytes = coder.serializedBytes
    }

    package init(derEncoded node: ASN1Node) throws { bytes = Array(node.encodedBytes) }

    package func serialize(into coder: inout DER.Serializer) throws { coder.serializeRawBytes(bytes) }
}

extension DER {
    /// The elements of a SET OF in the order written, without DER's sort-order check (for reading what other
    /// implementations wrote; writers use `serializeSetOf`, which sorts).
    package static func unorderedSet<T: DERParseable>(
        of: T.Type = T.self, identifier: ASN1Identifier, rootNode: ASN1Node
    ) throws -> [T] {
        try DER.set(rootNode, identifier: identifier) { nodes in
            var elements: [T] = []
            while let node = nodes.next() { elements.append(try T(derEncoded: node)) }
            return elements
        }
    }

    /// The DER encoding of a value.
    package static func encoding(_ value: some DERSerializable) throws -> [UInt8] {
        var coder = DER.Serializer()
        try coder.serialize(value)
        return coder.serializedBytes
    }
}

extension GeneralizedTime {
    /// The UTC time of `date`, whole seconds (the fraction is dropped).
    package init(_ date: Date) throws {
        let t = CivilTime(date)
        try self.init(
            year: t.year, month: t.month, day: t.day, hours: t.hour, minutes: t.minute, seconds: t.second,
            fractionalSeconds: 0)
    }
}

extension UTCTime {
    /// The UTC time of `date`, whole seconds; years 1950 to 2049 only.
    package init(_ date: Date) throws {
        let t = CivilTime(date)
        try self.init(year: t.year, month: t.month, day: t.day, hours: t.hour, minutes: t.minute, seconds: t.second)
    }
}

extension Date {
    /// The instant a GeneralizedTime names (UTC), fraction included.
    package init(_ time: GeneralizedTime) {
        let days = CivilTime.days(year: time.year, month: time.month, day: time.day)
        let seconds = Double(days) * 86400 + Double(time.hours * 3600 + time.minutes * 60 + time.seconds)
        self.init(timeIntervalSince1970: seconds + time.fractionalSeconds)
    }
}

/// A proleptic Gregorian date and time of day in UTC, computed without a calendar (Howard Hinnant's algorithms).
package struct CivilTime: Hashable, Sendable {
    package var year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int

    /// The civil time of `date`, rounded down to the second.
    package init(_ date: Date) {
        let total = Int(date.timeIntervalSince1970.rounded(.down))
        var days = total / 86400
        var secondOfDay = total % 86400
        if secondOfDay < 0 {
            secondOfDay += 86400
            days -= 1
        }
        let z = days + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        day = doy - (153 * mp + 2) / 5 + 1
        month = mp < 10 ? mp + 3 : mp - 9
        year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        hour = secondOfDay / 3600
        minute = secondOfDay % 3600 / 60
        second = secondOfDay % 60
    }

    /// Days from 1970-01-01 to a date.
    package static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    /// RFC 3339 in UTC with a `Z`, whole seconds (`2026-11-30T21:52:00Z`), as protobuf JSON writes timestamps.
    package var rfc3339: String {
        func pad(_ n: Int, _ width: Int = 2) -> String {
            let s = String(n)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(pad(year, 4))-\(pad(month))-\(pad(day))T\(pad(hour)):\(pad(minute)):\(pad(second))Z"
    }
}
