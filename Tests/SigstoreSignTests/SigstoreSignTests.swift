import Foundation
import SigstoreCrypto
import SigstoreModels
@testable import SigstoreSign
import Testing
import SigstoreJSON
import SigstoreCore

@Suite("signing config")
struct SigningConfigTests {
    static func config(_ extra: String = "") -> [UInt8] {
        Array(
            """
            {"mediaType":"application/vnd.dev.sigstore.signingconfig.v0.2+json",
             "caUrls":[{"url":"https://fulcio.example","majorApiVersion":1,"validFor":{"start":"2020-01-01T00:00:00Z"},"operator":"a"}],
             "oidcUrls":[{"url":"https://oidc.example","majorApiVersion":1,"validFor":{"start":"2020-01-01T00:00:00Z"},"operator":"a"}],
             "rekorTlogUrls":[
               {"url":"https://old.example","majorApiVersion":1,"validFor":{"start":"2020-01-01T00:00:00Z","end":"2021-01-01T00:00:00Z"},"operator":"a"},
               {"url":"https://v1.example","majorApiVersion":1,"validFor":{"start":"2020-01-01T00:00:00Z"},"operator":"a"},
               {"url":"https://v2.example","majorApiVersion":2,"validFor":{"start":"2020-01-01T00:00:00Z"},"operator":"a"},
               {"url":"https://v3.example","majorApiVersion":3,"validFor":{"start":"2020-01-01T00:00:00Z"},"operator":"b"},
               {"url":"https://other.example","majorApiVersion":1,"validFor":{"start":"2020-01-01T00:00:00Z"},"operator":"c"}],
             "rekorTlogConfig":{"selector":"ANY"},
             "tsaUrls":[{"url":"https://tsa.example/api/v1/timestamp","majorApiVersion":1,"validFor":{"start":"2020-01-01T00:00:00Z"},"operator":"a"}]
             \(extra)}
            """.utf8)
    }

    @Test("services valid now with a supported version, the highest version per operator, newest first; ANY takes one")
    func selection() throws {
        let config = try SigningConfig(jsonData: Self.config())
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let all = try SigningConfig.select(config.rekorTlogURLs, supported: [1, 2], selector: .all, at: now, what: "log")
        #expect(all.map(\.url) == ["https://v2.example", "https://other.example"])
        let any = try SigningConfig.select(config.rekorTlogURLs, supported: [1, 2], selector: config.rekorTlogSelector, at: now, what: "log")
        #expect(any.map(\.url) == ["https://v2.example"])
        #expect(throws: SigningError.self) {
            try SigningConfig.select(config.rekorTlogURLs, supported: [1, 2], selector: .exact(3), at: now, what: "log")
        }
        #expect(SigningConfig.first(config.caURLs, at: now)?.url == "https://fulcio.example")
        // Before every service's start: nothing is usable.
        #expect(try SigningConfig.select(config.rekorTlogURLs, supported: [1, 2], selector: .all, at: Date(timeIntervalSince1970: 0), what: "log").isEmpty)
    }

    @Test("a ClientTrustConfig's signingConfig is read; other media types and malformed documents are refused")
    func parsing() throws {
        let wrapped = Array(#"{"mediaType":"application/vnd.dev.sigstore.clienttrustconfig.v0.1+json","signingConfig":"#.utf8) + Self.config() + [UInt8(ascii: "}")]
        #expect(try SigningConfig(jsonData: wrapped).caURLs.count == 1)
        #expect(throws: BundleError.self) { try SigningConfig(jsonData: Array(#"{"mediaType":"application/vnd.dev.sigstore.signingconfig.v0.1+json"}"#.utf8)) }
        #expect(throws: BundleError.self) { try SigningConfig(jsonData: Array("[1,2".utf8)) }
        #expect(throws: BundleError.self) { try SigningConfig(jsonData: Self.config(#","tsaConfig":{"selector":"SOME"}"#)) }
    }
}

@Suite("identity tokens")
struct IdentityTokenTests {
    static func jwt(_ claims: String) -> String {
        func b64url(_ s: String) -> String {
            Base64.encode(Array(s.utf8)).replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: "")
        }
        return b64url(#"{"alg":"ES256"}"#) + "." + b64url(claims) + ".c2ln"
    }

    @Test("claims are read; the principal is the email, else the subject; the description never holds the token")
    func claims() throws {
        let token = try IdentityToken(Self.jwt(#"{"iss":"https://issuer","sub":"123","email":"a@b.c","email_verified":true,"exp":2000000000,"aud":"sigstore"}"#))
        #expect(token.issuer == "https://issuer" && token.principal == "a@b.c" && token.audiences == ["sigstore"] && token.emailVerified)
        #expect(!token.description.contains(token.rawValue))
        let uri = try IdentityToken(Self.jwt(#"{"iss":"https://issuer","sub":"https://github.com/o/r/.github/workflows/w.yml@refs/heads/main","aud":["sigstore"]}"#))
        #expect(uri.principal.hasPrefix("https://github.com/"))
    }

    @Test("an expired token, a token without an issuer and a non-JWT are refused with messages that do not quote them")
    func refused() throws {
        let expired = try IdentityToken(Self.jwt(#"{"iss":"https://issuer","sub":"x","exp":1000}"#))
        #expect(throws: SigningError.self) { try expired.checkNotExpired(at: Date()) }
        for bad in [Self.jwt(#"{"sub":"x"}"#), "not-a-jwt", "a.b.c"] {
            do {
                _ = try IdentityToken(bad)
                Issue.record("accepted \(bad)")
            } catch let error as SigningError {
                #expect(!error.message.contains(bad))
            }
        }
    }
}

@Suite("service requests")
struct ServiceRequestTests {
    @Test("Rekor v1 hashedrekord and dsse bodies, Rekor v2 request with the key's default keyDetails")
    func rekorBodies() throws {
        let key = SigningKey.generateP256()
        let digest = HashAlgorithm.sha256.digest(of: Array("x".utf8))
        let sig = try key.signature(forDigest: digest)
        let v1 = String(decoding: try RekorClient.v1Body(.hashedRekord(digest: digest, signature: sig, certificate: nil, publicKey: key.publicKey)).serialized(), as: UTF8.self)
        #expect(v1.hasPrefix(#"{"apiVersion":"0.0.1","kind":"hashedrekord","spec":{"data":{"hash":{"algorithm":"sha256","value":"\#(digest.hex)"}}"#))
        let envelope = DSSEEnvelope(payload: Array("{}".utf8), payloadType: "application/vnd.in-toto+json", signatures: [.init(sig: sig)])
        let dsse = String(decoding: try RekorClient.v1Body(.dsse(envelope: envelope, certificate: nil, publicKey: key.publicKey)).serialized(), as: UTF8.self)
        #expect(dsse.contains(#""kind":"dsse""#) && dsse.contains(#""proposedContent":{"envelope":"{\"payload\""#))
        let v2 = String(decoding: try RekorClient.v2Body(.dsse(envelope: envelope, certificate: nil, publicKey: key.publicKey)).serialized(), as: UTF8.self)
        #expect(v2.contains(#""keyDetails":"PKIX_ECDSA_P256_SHA_256""#) && v2.contains(#""publicKey":{"rawBytes""#))
        #expect(RekorClient.keyDetails(.rsa(bits: 3072)) == "PKIX_RSA_PKCS1V15_3072_SHA256")
    }

    @Test("Rekor v1 LogEntry becomes the bundle's TransparencyLogEntry; a malformed one is refused")
    func rekorV1Entry() throws {
        let body = Base64.encode(Array(#"{"apiVersion":"0.0.1","kind":"hashedrekord","spec":{}}"#.utf8))
        let json = """
            {"24296fb24b8ad77a0000000000000000000000000000000000000000000000000000000000000000":{"body":"\(body)","integratedTime":1700000000,
            "logID":"\(String(repeating: "ab", count: 32))","logIndex":7,"verification":{"signedEntryTimestamp":"c2V0",
            "inclusionProof":{"logIndex":7,"rootHash":"\(String(repeating: "cd", count: 32))","treeSize":8,"hashes":["\(String(repeating: "ef", count: 32))"],"checkpoint":"cp\\n"}}}}
            """
        let entry = try RekorClient.parseV1(Array(json.utf8))
        #expect(entry.logIndex.value == 7 && entry.kind == "hashedrekord" && entry.version == "0.0.1" && entry.integratedTime?.value == 1_700_000_000)
        #expect(entry.inclusionProof?.treeSize.value == 8 && entry.inclusionProof?.checkpoint == "cp\n")
        let logged = LoggedEntry(entry: entry, apiVersion: 1, alreadyLogged: false)
        #expect(logged.legacyAnnotation?.hasPrefix(#"{"SignedEntryTimestamp":"c2V0","Payload":{"body":""#) == true)
        #expect(throws: SigningError.self) { try RekorClient.parseV1(Array(#"{"a":{"body":"!!"}}"#.utf8)) }
    }

    @Test("the RFC 3161 request openssl reads: version 1, SHA-256 imprint, nonce, certReq")
    func timestampRequest() throws {
        let imprint = HashAlgorithm.sha256.digest(of: Array("sig".utf8)).bytes
        let der = try TimestampClient.request(imprint: imprint, nonce: 0x1234_5678)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tsq-\(UUID().uuidString).der").path
        try Data(der).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        p.arguments = ["ts", "-query", "-in", path, "-text"]
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "\(text)")
        #expect(text.contains("Version: 1") && text.contains("Hash Algorithm: sha256") && text.contains("Nonce: 0x12345678")
            && text.contains("Certificate required: yes"), "\(text)")
    }

    @Test("the retrying client gives up on a refused connection after its attempts, naming the service and not the query")
    func refusedConnection() async throws {
        var configuration = ServiceHTTP.Configuration()
        configuration.baseDelay = .milliseconds(10)
        let http = ServiceHTTP(configuration: configuration)
        do {
            _ = try await http.send("GET", "http://127.0.0.1:9/x?token=secret", service: "Fulcio")
            Issue.record("a refused connection succeeded")
        } catch let error as SigningError {
            #expect(error.message.hasPrefix("Fulcio unreachable") && !error.message.contains("secret"), "\(error.message)")
            #expect(http.requestCount == 3)
        }
        await http.shutdown()
    }
}
