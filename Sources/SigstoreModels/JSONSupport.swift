#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Bytes carried as base64 in the protobuf JSON mapping.
///
/// Decoding accepts the standard and URL-safe alphabets with or without padding, as protojson does; encoding
/// writes standard base64 with padding.
public struct Base64Bytes: Decodable, Hashable, Sendable {
    /// The decoded bytes.
    public var bytes: [UInt8]

    /// Wraps bytes.
    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let bytes = Base64.decode(text) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "invalid base64 data"))
        }
        self.bytes = bytes
    }
}

/// An int64 in the protobuf JSON mapping: written as a decimal string, read from a string or a number.
public struct Int64String: Decodable, Hashable, Sendable {
    /// The value.
    public var value: Int64

    /// Wraps a value.
    public init(_ value: Int64) { self.value = value }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let s = try? c.decode(String.self) {
            guard let v = Int64(s) else {
                throw DecodingError.dataCorrupted(
                    .init(codingPath: decoder.codingPath, debugDescription: "\"\(s)\" is not an int64"))
            }
            value = v
        } else {
            value = try c.decode(Int64.self)
        }
    }
}

/// Standard base64 (RFC 4648 §4).
public enum Base64 {
    /// Encodes with the standard alphabet and padding.
    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        Data(bytes).base64EncodedString()
    }

    /// Decodes standard or URL-safe base64, padding optional; nil on any other character.
    public static func decode(_ text: String) -> [UInt8]? {
        // Fast path: standard, padded base64 (what every Sigstore writer emits) is decoded without a copy.
        var text = text
        let standard = text.withUTF8 { bytes in
            bytes.count % 4 == 0 && !bytes.contains(where: { $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") })
        }
        if standard { return Data(base64Encoded: text).map { Array($0) } }
        var normalized = [UInt8]()
        normalized.reserveCapacity(text.utf8.count + 2)
        for c in text.utf8 {
            switch c {
            case UInt8(ascii: "-"): normalized.append(UInt8(ascii: "+"))
            case UInt8(ascii: "_"): normalized.append(UInt8(ascii: "/"))
            default: normalized.append(c)
            }
        }
        if normalized.count % 4 != 0 {
            guard !normalized.contains(UInt8(ascii: "=")) else { return nil }
            normalized.append(contentsOf: repeatElement(UInt8(ascii: "="), count: 4 - normalized.count % 4))
        }
        guard let data = Data(base64Encoded: Data(normalized)) else { return nil }
        return Array(data)
    }

    /// Decodes strict standard base64 (padding required), as Go's `base64.StdEncoding`.
    public static func decodeStrict(_ text: some StringProtocol) -> [UInt8]? {
        guard text.utf8.count % 4 == 0 else { return nil }
        return Data(base64Encoded: String(text)).map(Array.init)
    }
}

/// A coding key for any string, used to detect unknown fields.
struct AnyCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

extension Decoder {
    /// Refuses fields other than `known`, as the protobuf JSON mapping does for unknown fields.
    func rejectUnknownKeys<K: CodingKey & CaseIterable>(_: K.Type) throws {
        let container = try self.container(keyedBy: AnyCodingKey.self)
        let known = Set(K.allCases.map(\.stringValue))
        for key in container.allKeys where !known.contains(key.stringValue) {
            throw DecodingError.dataCorrupted(
                .init(codingPath: codingPath + [key], debugDescription: "unknown field \"\(key.stringValue)\""))
        }
    }
}

/// JSON helpers shared by the models.
public enum SigstoreJSON {
    /// Decodes a document, turning decoding failures into a one-line ``BundleError``.
    public static func decode<T: Decodable>(_ type: T.Type, from data: some Collection<UInt8>, what: String) throws -> T {
        guard data.count <= Limits.maxDocumentBytes else {
            throw BundleError(.tooLarge, "\(what) is larger than \(Limits.maxDocumentBytes) bytes")
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(data))
        } catch let error as DecodingError {
            throw BundleError(.malformed, "malformed \(what): \(describe(error))")
        } catch let error as BundleError {
            throw error
        } catch {
            throw BundleError(.malformed, "malformed \(what): \(error)")
        }
    }

    /// A one-line description of a decoding error with the JSON path.
    public static func describe(_ error: DecodingError) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            let p = keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return p.isEmpty ? "" : " at \(p.hasPrefix(".") ? String(p.dropFirst()) : p)"
        }
        switch error {
        case .dataCorrupted(let ctx):
            if ctx.codingPath.isEmpty { return "not valid JSON" }
            return "\(ctx.debugDescription)\(path(ctx.codingPath))"
        case .keyNotFound(let key, let ctx):
            return "missing field \"\(key.stringValue)\"\(path(ctx.codingPath))"
        case .typeMismatch(_, let ctx), .valueNotFound(_, let ctx):
            return "unexpected value\(path(ctx.codingPath)): \(ctx.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }
}
