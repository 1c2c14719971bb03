import Foundation
import SigstoreCore
import SigstoreKMS

/// A PKCS#11 URI (RFC 7512) as cosign reads it: path attributes `token`, `slot-id`, `object` (the key's label) and
/// `id` (its CKA_ID), query attributes `module-path` and `pin-value`; other attributes are ignored, as cosign does.
public struct PKCS11URI: Sendable, Equatable, CustomStringConvertible {
    /// The token's label.
    public var token: String?
    /// The slot, which wins over the token label.
    public var slotID: UInt?
    /// The key's label (CKA_LABEL).
    public var object: String?
    /// The key's id (CKA_ID), which wins over the label.
    public var id: [UInt8]?
    /// The module to load (an absolute path).
    public var modulePath: String?
    /// The PIN, when the URI carries one.
    public var pin: String?

    /// Creates a URI from its parts.
    public init(token: String? = nil, slotID: UInt? = nil, object: String? = nil, id: [UInt8]? = nil, modulePath: String? = nil, pin: String? = nil) {
        (self.token, self.slotID, self.object, self.id, self.modulePath, self.pin) = (token, slotID, object, id, modulePath, pin)
    }

    /// Parses `text`; `environment` supplies `COSIGN_PKCS11_MODULE_PATH` when the URI has no `module-path`.
    public init(parsing text: String, environment: [String: String] = [:]) throws {
        guard text.hasPrefix("pkcs11:") else { throw KMSError(.malformedReference, "invalid uri: not a PKCS11 uri") }
        let body = text.dropFirst("pkcs11:".count)
        let (path, query) = body.firstIndex(of: "?").map { (body[..<$0], body[body.index(after: $0)...]) } ?? (body, "")
        func attributes(_ part: Substring, separator: Character) throws -> [(String, String)] {
            try part.split(separator: separator).compactMap { item in
                guard !item.isEmpty else { return nil }
                let pair = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                guard let name = String(pair[0]).removingPercentEncoding,
                    let value = (pair.count > 1 ? String(pair[1]) : "").removingPercentEncoding
                else { throw KMSError(.malformedReference, "invalid uri: malformed percent-encoding in \"\(item.split(separator: "=").first ?? "")\"") }
                return (name, value)
            }
        }
        // cosign reads both parts with ';' and '&' alike.
        let pathItems = try attributes(Substring(path.replacingOccurrences(of: "&", with: ";")), separator: ";")
        let queryItems = try attributes(Substring(query.replacingOccurrences(of: ";", with: "&")), separator: "&")
        func first(_ name: String, in items: [(String, String)]) -> String? { items.first { $0.0 == name }?.1 }
        token = first("token", in: pathItems)
        object = first("object", in: pathItems)
        if let rawID = first("id", in: pathItems) { id = Array(rawID.utf8) }
        if let slot = first("slot-id", in: pathItems) {
            guard let number = UInt(slot) else { throw KMSError(.malformedReference, "invalid uri: slot-id '\(slot)' is not a valid number") }
            slotID = number
        }
        modulePath = first("module-path", in: queryItems) ?? environment["COSIGN_PKCS11_MODULE_PATH"].flatMap { $0.isEmpty ? nil : $0 }
        pin = first("pin-value", in: queryItems)
        guard token != nil || slotID != nil else { throw KMSError(.malformedReference, "invalid uri: one of token and slot-id must be set") }
        guard object != nil || id != nil else { throw KMSError(.malformedReference, "invalid uri: one of object and id must be set") }
        guard let modulePath else {
            throw KMSError(
                .malformedReference,
                "invalid uri: module-path or COSIGN_PKCS11_MODULE_PATH must be set to the absolute path of the PKCS11 module")
        }
        guard modulePath.hasPrefix("/") else { throw KMSError(.malformedReference, "modulePath does not point to an absolute path") }
    }

    /// The URI as cosign's `pkcs11-tool list-keys-uris` writes it: `token`, `slot-id`, `id` (every byte `%xx`),
    /// `object`, then `module-path` and `pin-value`.
    public var uriString: String { render(includingPIN: true) }

    /// The URI without its PIN: what messages show.
    public var description: String { render(includingPIN: false) }

    func render(includingPIN: Bool) -> String {
        var path: [String] = []
        if let token { path.append("token=\(Self.encode(token, extra: "&"))") }
        if let slotID { path.append("slot-id=\(slotID)") }
        if let id { path.append("id=" + id.map { String(format: "%%%02x", $0) }.joined()) }
        if let object { path.append("object=\(Self.encode(object, extra: "&"))") }
        var text = "pkcs11:" + (token == nil && slotID != nil ? ";" : "") + path.joined(separator: ";")
        var query: [String] = []
        if let modulePath { query.append("module-path=\(Self.encode(modulePath, extra: "/?|"))") }
        if includingPIN, let pin { query.append("pin-value=\(Self.encode(pin, extra: "/?|"))") }
        if !query.isEmpty { text += "?" + query.joined(separator: "&") }
        return text
    }

    /// Percent-encodes all but `A-Za-z0-9-._~:[]@!$'()*+,=` and `extra`, lower-case hex, as cosign does.
    static func encode(_ text: String, extra: String) -> String {
        let kept = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~:[]@!$'()*+,=".utf8).union(extra.utf8)
        var out = ""
        for byte in text.utf8 {
            if kept.contains(byte) { out.unicodeScalars.append(Unicode.Scalar(byte)) } else { out += String(format: "%%%02x", byte) }
        }
        return out
    }
}
