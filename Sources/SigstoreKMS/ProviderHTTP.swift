import Foundation
import SigstoreCore
import SigstoreJSON
import SigstoreSign
import Synchronization

/// The HTTP client of a key provider: extra trusted CAs from `SSL_CERT_FILE` (which Go's TLS stack honours on Linux)
/// and the provider's own CA-bundle variable, and its skip-verify switch.
enum ProviderHTTP {
    static func client(_ environment: [String: String], provider: String, caBundleVariable: String? = nil, insecure: Bool = false) throws -> ServiceHTTP {
        var configuration = ServiceHTTP.Configuration()
        configuration.insecureSkipVerify = insecure
        var pem = ""
        for variable in ["SSL_CERT_FILE", caBundleVariable].compactMap({ $0 }) {
            guard let path = environment[variable], !path.isEmpty else { continue }
            do {
                pem += try FileSystem.readText(path, limit: 4 << 20) + "\n"
            } catch let error as any ReportableError {
                throw KMSError(.authentication, "\(variable): \(error.message)")
            }
        }
        if !pem.isEmpty { configuration.caCertificatesPEM = pem }
        do {
            return try ServiceHTTP(tls: configuration)
        } catch let error as any ReportableError {
            throw KMSError(.authentication, "\(provider) TLS settings: \(error.message)")
        }
    }

    /// One JSON request to a provider's API. A transport failure is `.unavailable`; a 2xx answer returns its JSON (an
    /// empty object for 204); any other status becomes one error whose text is `context` and `detail(json, status)`,
    /// with its code from the status (404 not found, 401/403 authentication, 429/5xx unavailable, else `code(json)`).
    static func exchange(
        _ http: ServiceHTTP, _ method: String, _ url: String, headers: [(String, String)], body: [UInt8]?, provider: String, context: String,
        detail: (OrderedJSON?, Int) -> String, code: (OrderedJSON?) -> KMSErrorCode = { _ in .provider }
    ) async throws -> OrderedJSON {
        var headers = headers
        if body != nil { headers.append(("Content-Type", "application/json")) }
        let response: ServiceHTTP.Response
        do {
            response = try await http.send(method, url, headers: headers, body: body, maxBody: 1 << 20, service: provider)
        } catch let error as any ReportableError {
            throw KMSError(.unavailable, "\(context): \(error.message)")
        }
        let json = try? JSONParser.parse(response.body)
        if (200...299).contains(response.status) {
            if response.status == 204 { return .object([]) }
            if let json { return json }
            throw KMSError(.provider, "\(context): the response is not JSON")
        }
        let text = "\(context): \(detail(json, response.status))"
        switch response.status {
        case 404: throw KMSError(.notFound, text)
        case 401, 403: throw KMSError(.authentication, text)
        case 429, 500...: throw KMSError(.unavailable, text)
        default: throw KMSError(code(json), text)
        }
    }

    /// `code: message` from a `{"error": {…}}` body (Google's `status`, Azure's `code`), else the HTTP status.
    static func errorObject(_ json: OrderedJSON?, status: Int, codeKey: String) -> String {
        let code = json?["error"]?[codeKey]?.stringValue ?? "HTTP \(status)"
        let message = json?["error"]?["message"]?.stringValue ?? ""
        return message.isEmpty ? code : "\(code): \(message)"
    }

    /// `application/x-www-form-urlencoded` encoding of `pairs`.
    static func form(_ pairs: [(String, String)]) -> [UInt8] {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return Array(
            pairs.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }.joined(separator: "&").utf8)
    }

    /// base64url (no padding) decoding, as JOSE writes it.
    static func base64URLDecode(_ text: String) -> [UInt8]? {
        var standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while standard.count % 4 != 0 { standard += "=" }
        return Base64.decode(standard)
    }
}

/// An OAuth access token obtained once and reused until shortly before it expires.
final class CachedToken: Sendable {
    private let state = Mutex<(token: String, expiry: Date)?>(nil)

    func get(now: Date, fetch: () async throws -> (String, TimeInterval)) async throws -> String {
        if let cached = state.withLock({ $0 }), cached.expiry > now.addingTimeInterval(60) { return cached.token }
        let (token, lifetime) = try await fetch()
        state.withLock { $0 = (token, now.addingTimeInterval(lifetime)) }
        return token
    }
}

/// CRC32C (Castagnoli), the integrity checksum Cloud KMS puts on digests and signatures.
enum CRC32C {
    static let table: [UInt32] = (0..<256).map { index in
        var crc = UInt32(index)
        for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
        return crc
    }

    static func checksum(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }
}

/// A value found once (a key version) and reused by later calls on the same key.
final class Remembered<Value: Sendable>: Sendable {
    private let value = Mutex<Value?>(nil)

    func get(_ find: () async throws -> Value) async throws -> Value {
        if let known = value.withLock({ $0 }) { return known }
        let found = try await find()
        value.withLock { $0 = found }
        return found
    }

    func set(_ found: Value) { value.withLock { $0 = found } }

    var current: Value? { value.withLock { $0 } }
}
