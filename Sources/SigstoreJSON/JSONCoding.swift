#if canImport(FoundationEssentials)
import FoundationEssentials
#else
public import Foundation
#endif
public import SigstoreCore

/// An error reading a JSON document.
public typealias JSONError = CodedError<JSONErrorCode>

/// The domain of ``JSONErrorCode``: reading JSON documents.
public enum JSONErrorDomain {}

/// The kinds of errors of the domain.
public typealias JSONErrorCode = ErrorName<JSONErrorDomain>

extension ErrorName where Domain == JSONErrorDomain {
    /// The text is not JSON, or not of the expected shape.
    public static var malformed: Self { Self(name: "malformed") }
    /// The document exceeds a size or nesting limit.
    public static var tooLarge: Self { Self(name: "tooLarge") }
}

/// Decoding typed documents with `Codable`, with one-line errors that name the document and the JSON path.
public enum JSONCoding {
    /// The largest document ``decode(_:from:what:limit:strict:)`` reads by default, in bytes.
    public static let defaultLimit = 128 << 20

    /// Decodes a document of type `T`; `what` names it in errors (`"malformed trusted root: missing field …"`).
    /// `strict` reads the text as Go's protojson reads Sigstore documents (UTF-8 only, no key twice in an object) in
    /// one pass of ``JSONParser`` and decodes from what it built.
    /// - Throws: ``JSONError`` when the document is larger than `limit` or does not decode.
    public static func decode<T: Decodable>(
        _ type: T.Type, from data: some Collection<UInt8>, what: String, limit: Int = defaultLimit, strict: Bool = false
    ) throws -> T {
        guard data.count <= limit else {
            throw JSONError(.tooLarge, "\(what) is larger than \(limit) bytes")
        }
        if strict {
            // One pass of the strict reader builds the tree the document is decoded from.
            let tree: OrderedJSON
            do {
                tree = try JSONParser.parseRejectingDuplicateKeys(data)
            } catch {
                throw JSONError(.malformed, "malformed \(what): \(error.message)", underlying: error)
            }
            return try decoding(what) { try T(from: JSONTreeDecoder(value: tree, codingPath: [])) }
        }
        return try decoding(what) {
            // Decoded in place where the bytes are contiguous: a copy into `Data` would hold a large document twice.
            let decoded = try data.withContiguousStorageIfAvailable { buffer -> T in
                guard let base = buffer.baseAddress, !buffer.isEmpty else { return try JSONDecoder().decode(T.self, from: Data()) }
                let view = Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: base), count: buffer.count, deallocator: .none)
                return try JSONDecoder().decode(T.self, from: view)
            }
            return try decoded ?? JSONDecoder().decode(T.self, from: Data(data))
        }
    }

    /// Runs a decoding, its errors made one line naming the document (a user-facing error passes as it is).
    private static func decoding<T>(_ what: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as DecodingError {
            throw JSONError(.malformed, "malformed \(what): \(describe(error))", underlying: error)
        } catch let error as any ReportableError {
            throw error
        } catch {
            throw JSONError(.malformed, "malformed \(what): \(error)", underlying: error)
        }
    }

    /// Encodes `value` compactly with sorted keys and without escaping `/`, as Go's `encoding/json` writes maps.
    public static func encode(_ value: some Encodable) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(value))
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

/// A coding key for any string, used to detect unknown fields.
public struct AnyCodingKey: CodingKey {
    public var stringValue: String
    public var intValue: Int? { nil }
    /// Creates a key.
    public init(stringValue: String) { self.stringValue = stringValue }
    /// Integer keys are not used.
    public init?(intValue: Int) { nil }
}

extension Decoder {
    /// Refuses fields other than `known`, as the protobuf JSON mapping does for unknown fields.
    public func rejectUnknownKeys<K: CodingKey & CaseIterable>(_: K.Type) throws {
        if let tree = self as? JSONTreeDecoder {
            // The strict documents' decoder: the member names as parsed, no keyed container built to list them.
            guard case .object(let members) = tree.value else { return }
            for (name, _) in members where K(stringValue: name) == nil {
                throw DecodingError.dataCorrupted(
                    .init(codingPath: codingPath + [AnyCodingKey(stringValue: name)], debugDescription: "unknown field \"\(name)\""))
            }
            return
        }
        let container = try self.container(keyedBy: AnyCodingKey.self)
        // `K(stringValue:)` is the synthesized switch over the names: no set built per object decoded.
        for key in container.allKeys where K(stringValue: key.stringValue) == nil {
            throw DecodingError.dataCorrupted(
                .init(codingPath: codingPath + [key], debugDescription: "unknown field \"\(key.stringValue)\""))
        }
    }
}
