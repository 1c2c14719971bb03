import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import LocalSigstore
import NIOCore
import SigstoreJSON
import SigstoreModels
import TransparencyLog

/// Rekor v1, Rekor v2 and the TSA of one instance in this process, over one SQLite file: each service's router is
/// exercised with Hummingbird's in-process client (`app.test(.router)`), no sockets and no child process. The
/// process-level suites keep what only a process shows (restart, SIGKILL, other clients over HTTP).
struct InProcessServices: Sendable {
    let directory: TemporaryDirectory
    let keys: InstanceKeys
    let rekorV1: RekorV1Service
    let rekorV2: RekorV2Service
    let tsa: TimestampAuthority
    /// The host the logs name in their checkpoints.
    static let host = "127.0.0.1"

    /// A fresh instance: new keys, empty logs.
    static func make(now: @escaping @Sendable () -> Date = { Date() }) async throws -> InProcessServices {
        let directory = try TemporaryDirectory()
        let keys = try InstanceKeys.loadOrCreate(directory: directory.path, now: now())
        let storage = try SQLiteLogStorage(path: directory.path + "/log.sqlite")
        try await storage.prepare()
        let v1 = try await TransparencyLog(
            name: "rekor-v1", storage: storage,
            signCheckpoint: RekorV1Service.checkpointSigner(key: keys.rekorKey, host: host, treeID: keys.rekorTreeID, now: now),
            now: { Int64(now().timeIntervalSince1970) })
        let v2 = try await TransparencyLog(
            name: "rekor-v2", storage: storage, signCheckpoint: RekorV2Service.checkpointSigner(key: keys.rekorV2Key, host: host),
            now: { 0 })
        return InProcessServices(
            directory: directory, keys: keys, rekorV1: RekorV1Service(log: v1, key: keys.rekorKey, treeID: keys.rekorTreeID),
            rekorV2: RekorV2Service(log: v2, key: keys.rekorV2Key, host: host), tsa: TimestampAuthority(keys: keys, now: now))
    }

    /// Runs `test` against a router holding the routes `register` adds.
    func test<Value: Sendable>(
        _ register: (Router<BasicRequestContext>) -> Void, _ test: @Sendable (any TestClientProtocol) async throws -> Value
    ) async throws -> Value {
        let router = Router()
        register(router)
        return try await Application(router: router).test(.router, test)
    }

    /// The trusted root the stack would write for services at these base URLs.
    func trustedRoot(urls: [LocalStack.Service: String]) throws -> TrustedRoot {
        try TrustedRoot(jsonData: try TrustFiles.trustedRoot(keys: keys, urls: urls, host: Self.host).serialized())
    }
}

extension TestClientProtocol {
    /// A request with a body, answered as the harness's `HTTP.Reply` (status, JSON, text).
    func send(
        _ method: HTTPRequest.Method, _ uri: String, body: [UInt8]? = nil, contentType: String = "application/json"
    ) async throws -> Routed {
        var headers: HTTPFields = [:]
        if body != nil { headers[.contentType] = contentType }
        let response = try await execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(bytes: $0) })
        return Routed(status: Int(response.status.code), headers: response.headers, body: Array(response.body.readableBytesView))
    }

    func post(_ uri: String, json: String) async throws -> Routed { try await send(.post, uri, body: Array(json.utf8)) }
    func get(_ uri: String) async throws -> Routed { try await send(.get, uri) }
}

/// A response of an in-process request.
struct Routed: Sendable {
    var status: Int
    var headers: HTTPFields
    var body: [UInt8]
    var json: OrderedJSON? { try? JSONParser.parse(body) }
    var text: String { String(decoding: body, as: UTF8.self) }
    func header(_ name: String) -> String? { HTTPField.Name(name).flatMap { headers[$0] } }
}
