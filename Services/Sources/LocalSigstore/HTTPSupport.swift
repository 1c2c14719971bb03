internal import Foundation
public import HTTPTypes
internal import Hummingbird
internal import Logging
internal import NIOCore
public import SigstoreCore
internal import SigstoreModels
internal import SwiftASN1
internal import TransparencyLog
import SigstoreJSON

/// A request a service refuses or cannot answer: the package's error model, its code the HTTP status (with the
/// response headers a refusal needs) and its message the text the client gets.
public typealias ServiceError = CodedError<ServiceErrorCode>

/// The HTTP status of a ``ServiceError``, and extra response headers (`Location`, `x-log-index`). Equality compares
/// the status only, as ``CodedError`` compares codes.
public struct ServiceErrorCode: ErrorCode {
    /// The HTTP status.
    public var status: HTTPResponse.Status
    /// Extra response headers.
    public var headers: HTTPFields

    /// A status with extra headers.
    public init(_ status: HTTPResponse.Status, headers: HTTPFields = [:]) {
        self.status = status
        self.headers = headers
    }

    public var description: String { "\(status.code)" }
    /// `<status> <message>`, as a log line shows a refusal.
    public func summary(of message: String) -> String { "\(status.code) \(message)" }
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.status == rhs.status }
    public func hash(into hasher: inout Hasher) { hasher.combine(status) }
}

extension CodedError where Code == ServiceErrorCode {
    /// A refusal with HTTP `status`.
    public init(
        _ status: HTTPResponse.Status, _ message: String, headers: HTTPFields = [:], file: String = #fileID, line: UInt = #line
    ) {
        self.init(ServiceErrorCode(status, headers: headers), message, file: file, line: line)
    }

    /// The HTTP status.
    public var status: HTTPResponse.Status { code.status }
    /// Extra response headers.
    public var headers: HTTPFields { code.headers }

    /// A 400 Bad Request.
    static func badRequest(_ message: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(.badRequest, message, file: file, line: line)
    }
}

/// How a service spells its JSON errors.
enum ErrorStyle: Sendable {
    /// Rekor v1 and the TSA: `{"code": <HTTP status>, "message": "…"}`.
    case rekor
    /// grpc-gateway (Fulcio, Rekor v2): `{"code": <gRPC code>, "message": "…", "details": []}`.
    case grpcGateway
    /// OAuth 2.0 (the OIDC issuer): `{"error": "…", "error_description": "…"}`.
    case oauth

    func body(status: HTTPResponse.Status, message: String) -> [UInt8] {
        switch self {
        case .rekor:
            OrderedJSON.object([("code", .number(Int64(status.code))), ("message", .string(message))]).serialized()
        case .grpcGateway:
            OrderedJSON.object([
                ("code", .number(Self.grpcCode(status))), ("message", .string(message)), ("details", .array([])),
            ]).serialized()
        case .oauth:
            OrderedJSON.object([
                ("error", .string(status.code == 401 ? "invalid_client" : status.code >= 500 ? "server_error" : "invalid_request")),
                ("error_description", .string(message)),
            ]).serialized()
        }
    }

    static func grpcCode(_ status: HTTPResponse.Status) -> Int64 {
        switch status.code {
        case 400, 413, 415: 3  // INVALID_ARGUMENT
        case 401: 16  // UNAUTHENTICATED
        case 403: 7  // PERMISSION_DENIED
        case 404: 5  // NOT_FOUND
        case 409: 6  // ALREADY_EXISTS
        case 429, 503: 14  // UNAVAILABLE
        default: 13  // INTERNAL
        }
    }
}

/// Turns every error a route throws into the service's JSON error shape, so that no request gets an HTML or empty
/// error body. Unexpected errors become 500 without their details.
struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let style: ErrorStyle

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as ServiceError {
            return respond(error.status, error.message, headers: error.headers, context: context)
        } catch let error as HTTPError {
            let message = error.body ?? (error.status == .contentTooLarge ? "request body too large" : error.status.reasonPhrase)
            return respond(error.status, message, headers: [:], context: context)
        } catch let error as TransparencyLogError where error.code == .overloaded || error.code == .unavailable {
            return respond(.serviceUnavailable, error.message, headers: [.retryAfter: "1"], context: context)
        } catch let error as StorageError where error.code == .unavailable {
            // The database is down or restarting: the client may retry; the details stay in the server's log.
            context.logger.warning("storage unavailable", metadata: ["error": "\(error.message)"])
            return respond(.serviceUnavailable, "the log's database is unavailable; retry later", headers: [.retryAfter: "1"], context: context)
        } catch {
            context.logger.error("request failed", metadata: ["error": "\(error)", "path": "\(request.uri.path)"])
            return respond(.internalServerError, "internal error", headers: [:], context: context)
        }
    }

    private func respond(_ status: HTTPResponse.Status, _ message: String, headers: HTTPFields, context: Context) -> Response {
        if status.code >= 500 { context.logger.warning("request refused", metadata: ["status": "\(status.code)", "message": "\(message)"]) }
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: style.body(status: status, message: message))))
    }
}

extension Response {
    /// A JSON response.
    static func json(_ bytes: [UInt8], status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// A JSON response.
    static func json(_ value: OrderedJSON, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        json(value.serialized(), status: status, headers: headers)
    }

    /// A response with a body of some content type.
    static func bytes(_ bytes: [UInt8], contentType: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: contentType], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

extension Request {
    /// The body, at most `limit` bytes (413 beyond).
    mutating func bodyBytes(limit: Int) async throws -> [UInt8] {
        do {
            let buffer = try await collectBody(upTo: limit)
            return Array(buffer.readableBytesView)
        } catch is NIOTooManyBytesError {
            throw ServiceError(.contentTooLarge, "request body is larger than \(limit) bytes")
        } catch {
            // The body ended before its declared length, or its framing was broken: the client's fault.
            throw ServiceError.badRequest("the request body could not be read: it ended early or its framing is broken")
        }
    }

    /// The body parsed as a JSON object (400 when it is not one).
    mutating func jsonObject(limit: Int) async throws -> OrderedJSON {
        let bytes = try await bodyBytes(limit: limit)
        let json: OrderedJSON
        do {
            json = try JSONParser.parse(bytes)
        } catch {
            throw ServiceError.badRequest("request body is not valid JSON: \(error)")
        }
        guard case .object = json else { throw ServiceError.badRequest("request body must be a JSON object") }
        return json
    }
}

extension OrderedJSON {
    /// The member `key` of an object (nil for other values, absent members and `null`).
    subscript(key: String) -> OrderedJSON? {
        guard case .object(let members) = self, let value = members.first(where: { $0.0 == key })?.1 else { return nil }
        if case .null = value { return nil }
        return value
    }

    /// The string, when this is one.
    var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The elements, when this is an array.
    var arrayValue: [OrderedJSON]? {
        if case .array(let a) = self { return a }
        return nil
    }

    /// An integer written as a JSON number or (protojson int64) a decimal string.
    var int64Value: Int64? {
        switch self {
        case .number(let n): return n
        case .raw(let text): return Int64(text)
        case .string(let s): return Int64(s)
        default: return nil
        }
    }

    /// The member names of an object.
    var keys: [String] {
        if case .object(let members) = self { return members.map(\.0) }
        return []
    }

    /// Requires a string member.
    func requiredString(_ key: String, in what: String) throws -> String {
        guard let s = self[key]?.stringValue, !s.isEmpty else {
            throw ServiceError.badRequest("\(what): missing string field \(key)")
        }
        return s
    }

    /// Requires a base64 member (standard or URL-safe, padding optional).
    func requiredBase64(_ key: String, in what: String) throws -> [UInt8] {
        let s = try requiredString(key, in: what)
        guard let bytes = Base64.decode(s), !bytes.isEmpty else { throw ServiceError.badRequest("\(what): \(key) is not base64") }
        return bytes
    }

    /// Refuses members outside `allowed` (protojson and Rekor's schemas reject unknown fields).
    func onlyKeys(_ allowed: Set<String>, in what: String) throws {
        for key in keys where !allowed.contains(key) {
            throw ServiceError.badRequest("\(what): unknown field \(key)")
        }
    }
}

/// RFC 3339 in UTC with a `Z`, whole seconds.
func rfc3339(_ date: Date) -> String { TimeRange.formatRFC3339(date) }

/// The DER encoding of a value (a certificate, a public key, a name).
func der(_ value: some DERSerializable) throws -> [UInt8] {
    var serializer = DER.Serializer()
    try serializer.serialize(value)
    return serializer.serializedBytes
}
