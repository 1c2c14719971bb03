import Foundation
import SigstoreJSON
import Testing

/// `serve --port`: every service on one listener under a path prefix (issue 19), for cosign and sigstore-python alike.
@Suite("one listener: every service under a path prefix of one origin", .serialized)
struct OneListenerTests {
    @Test("serve --port: the ready line and trust files name /oidc, /fulcio, /rekor, /rekor-v2, /tsa, /tuf of one origin; cosign (Rekor v1 and v2) and sigstore-python sign and verify; a restart keeps the URLs")
    func oneOrigin() async throws {
        let f = try KeylessFixture(stackArguments: ["--port", "0"])
        let fulcio = try #require(URLComponents(string: f.stack["fulcio"]))
        let origin = "http://\(fulcio.host ?? ""):\(fulcio.port ?? 0)"
        for service in ["oidc", "fulcio", "rekor", "rekor-v2", "tsa", "tuf"] {
            #expect(f.stack[service] == origin + "/" + service, "\(service): \(f.stack[service])")
        }
        let health = try await HTTP.get(origin + "/rekor/healthz")
        #expect(health.status == 200)
        let discovery = try await HTTP.get(origin + "/oidc/.well-known/openid-configuration")
        #expect(discovery.json?["issuer"]?.stringValue == origin + "/oidc", "\(discovery.text)")
        let signingConfig = try String(contentsOfFile: f.data + "/signing_config.json", encoding: .utf8)
        #expect(signingConfig.contains(origin + "/rekor-v2") && signingConfig.contains(origin + "/tsa/api/v1/timestamp"), "\(signingConfig)")

        let blob = try f.write("artifact.txt", "signed through one listener\n")
        // cosign: the signing config (Rekor v2 + TSA), then Rekor v1 from flags.
        let v2 = f.dir + "/v2.sigstore.json"
        let signV2 = try CosignBinary.run(["sign-blob", "-y", "--identity-token", try f.token(), "--bundle", v2, blob] + f.configFlags)
        #expect(signV2.status == 0, "sign-blob (signing config): \(signV2.output)")
        let v1 = f.dir + "/v1.sigstore.json"
        let signV1 = try CosignBinary.run(["sign-blob", "-y", "--identity-token", try f.token(), "--bundle", v1, blob] + f.urlFlags())
        #expect(signV1.status == 0, "sign-blob (Rekor v1): \(signV1.output)")
        // sigstore-python with the stack's ClientTrustConfig.
        let py = f.dir + "/python.sigstore.json"
        let pySign = try shell(["python3", "-m", "sigstore", "--trust-config", f.data + "/trust_config.json", "sign", "--identity-token", try f.token(), "--bundle", py, blob])
        #expect(pySign.status == 0, "sigstore-python sign: \(pySign.output)")
        for bundle in [v2, v1, py] {
            let verify = try CosignBinary.run(["verify-blob", "--bundle", bundle] + f.identityFlags + [blob])
            #expect(verify.status == 0, "verify-blob \(bundle): \(verify.output)")
            let pyVerify = try shell([
                "python3", "-m", "sigstore", "--trust-config", f.data + "/trust_config.json", "verify", "identity", "--offline", "--bundle", bundle,
                "--cert-identity", KeylessFixture.email, "--cert-oidc-issuer", f.issuer, blob,
            ])
            #expect(pyVerify.status == 0, "sigstore-python verify \(bundle): \(pyVerify.output)")
        }

        // A restart without --port comes back on the same listener (the URLs are in the trust files and certificates).
        let remembered = try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: f.data + "/ports.json"))))
        #expect(remembered["port"]?.int64Value == Int64(fulcio.port ?? 0), "\(remembered)")
        f.stack.stop()
        let again = try StackProcess(dataDirectory: f.data)
        defer { again.stop() }
        #expect(again["fulcio"] == origin + "/fulcio" && again["rekor"] == origin + "/rekor", "\(again.urls)")
        let afterRestart = try CosignBinary.run(["verify-blob", "--bundle", v1] + f.identityFlags + [blob])
        #expect(afterRestart.status == 0, "\(afterRestart.output)")
    }

    @Test("--services without tuf keeps serving after the ready line (it used to stop at once: the refresh task ended the stack)")
    func withoutTUF() async throws {
        let tmp = try TemporaryDirectory()
        for extra in [["--port", "0"], []] {
            let stack = try StackProcess(dataDirectory: tmp.path + "/data\(extra.count)", arguments: ["--services", "rekor"] + extra)
            defer { stack.stop() }
            try await Task.sleep(for: .seconds(1))
            #expect(stack.process.isRunning, "\(extra)")
            #expect(try await HTTP.get(stack["rekor"] + "/healthz").status == 200)
        }
    }

    @Test("--port with a per-service port is refused")
    func conflictingPorts() throws {
        let tmp = try TemporaryDirectory()
        let refused = try shell([Paths.binary, "serve", "--data-dir", tmp.path + "/data", "--port", "0", "--rekor-port", "0"])
        #expect(refused.status != 0 && refused.output.contains("cannot be combined with --rekor-port"), "\(refused.output)")
    }
}

/// `serve --tls self-signed` and `--tls-cert/--tls-key` (issue 19).
@Suite("TLS: HTTPS listeners with a self-signed CA or given files", .serialized)
struct ServerTLSTests {
    @Test("--tls self-signed with one listener: HTTPS URLs, the CA in the ready line; cosign (SSL_CERT_FILE) and sigstore-python (REQUESTS_CA_BUNDLE) sign and verify; plain HTTP and an untrusting client are refused")
    func selfSigned() async throws {
        let f = try KeylessFixture(stackArguments: ["--port", "0", "--tls", "self-signed"])
        let ca = f.stack["tlsCA"]
        #expect(ca == f.data + "/tls/ca.pem")
        for service in ["oidc", "fulcio", "rekor", "rekor-v2", "tsa", "tuf"] { #expect(f.stack[service].hasPrefix("https://127.0.0.1:"), "\(service)") }
        let blob = try f.write("artifact.txt", "signed over TLS\n")
        let env = ["SSL_CERT_FILE": ca]
        let v2 = f.dir + "/v2.sigstore.json"
        let signV2 = try CosignBinary.run(["sign-blob", "-y", "--identity-token", try f.token(), "--bundle", v2, blob] + f.configFlags, environment: env)
        #expect(signV2.status == 0, "sign-blob (Rekor v2): \(signV2.output)")
        let v1 = f.dir + "/v1.sigstore.json"
        let signV1 = try CosignBinary.run(["sign-blob", "-y", "--identity-token", try f.token(), "--bundle", v1, blob] + f.urlFlags(), environment: env)
        #expect(signV1.status == 0, "sign-blob (Rekor v1): \(signV1.output)")
        let untrusted = try CosignBinary.run(["sign-blob", "-y", "--identity-token", try f.token(), "--bundle", f.dir + "/x.json", blob] + f.urlFlags())
        #expect(untrusted.status != 0, "without the CA the certificate must be refused: \(untrusted.output)")

        let py = f.dir + "/python.sigstore.json"
        let pyEnv = ["REQUESTS_CA_BUNDLE": ca]
        let pySign = try shell(
            ["python3", "-m", "sigstore", "--trust-config", f.data + "/trust_config.json", "sign", "--identity-token", try f.token(), "--bundle", py, blob],
            environment: pyEnv)
        #expect(pySign.status == 0, "sigstore-python sign: \(pySign.output)")
        for bundle in [v2, v1, py] {
            let verify = try CosignBinary.run(["verify-blob", "--bundle", bundle] + f.identityFlags + [blob])
            #expect(verify.status == 0, "verify-blob \(bundle): \(verify.output)")
        }
        // TUF over HTTPS: initialize with the CA.
        let tuf = try CosignBinary.run(["initialize", "--mirror", f.stack["tuf"], "--root", f.stack["tufRoot"]], environment: env.merging(["TUF_ROOT": f.dir + "/tuf"]) { $1 })
        #expect(tuf.status == 0, "initialize over HTTPS: \(tuf.output)")
        // Plain HTTP to the TLS port is not served.
        let plain = try shell(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", f.stack["rekor"].replacingOccurrences(of: "https://", with: "http://") + "/healthz"])
        #expect(!plain.output.hasPrefix("200"), "\(plain.output)")
    }

    @Test("--tls-cert/--tls-key from openssl serve HTTPS; a key that is not the certificate's refuses to start, one error line")
    func givenFiles() async throws {
        let tmp = try TemporaryDirectory()
        let d = tmp.path
        func openssl(_ arguments: [String]) throws { #expect(try shell(["openssl"] + arguments).status == 0) }
        try openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", d + "/server.key", "-out", d + "/server.pem",
                     "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"])
        try openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", d + "/other.key"])
        let refused = try shell([Paths.binary, "serve", "--data-dir", d + "/refused", "--tls-cert", d + "/server.pem", "--tls-key", d + "/other.key"])
        #expect(refused.status != 0 && refused.output.contains("is not the key of the certificate"), "\(refused.output)")
        #expect(refused.output.split(separator: "\n").count == 1, "\(refused.output)")
        let half = try shell([Paths.binary, "serve", "--data-dir", d + "/half", "--tls-cert", d + "/server.pem"])
        #expect(half.status != 0 && half.output.contains("together"), "\(half.output)")

        let stack = try StackProcess(dataDirectory: d + "/data", arguments: ["--tls-cert", d + "/server.pem", "--tls-key", d + "/server.key"])
        defer { stack.stop() }
        #expect(stack["fulcio"].hasPrefix("https://127.0.0.1:"))
        let health = try shell(["curl", "-s", "--cacert", d + "/server.pem", stack["rekor"] + "/healthz"])
        #expect(health.output.contains("ok"), "\(health.output)")
    }
}

/// `GET /metrics` (issue 19).
@Suite("metrics: Prometheus text, counters that move by exactly what happened")
struct MetricsTests {
    static func scrape(_ url: String) throws -> [String: Double] {
        let script = URL(fileURLWithPath: Paths.package).deletingLastPathComponent().path + "/Tests/interop/prometheus_scrape.py"
        let result = try shell(["python3", script, url])
        guard result.status == 0, let json = try? JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Double] else {
            throw HarnessError("prometheus_client could not parse \(url): \(result.output)")
        }
        return json
    }

    @Test("100 keyless signings through one listener: certificates, appends, tree size, batches and request counts move by exactly that; prometheus_client parses the page")
    func hundredSignings() async throws {
        let f = try KeylessFixture(stackArguments: ["--port", "0"])
        let origin = f.stack["fulcio"].replacingOccurrences(of: "/fulcio", with: "")
        let blobs = try (0..<100).map { try f.write("blob-\($0).txt", "artifact \($0)\n") }
        let before = try Self.scrape(origin + "/metrics")
        let sign = try CosignBinary.run(
            ["sign-blob", "-y", "--identity-token", try f.token(), "--bundle", f.dir + "/last.sigstore.json"] + blobs + f.urlFlags(tsa: false))
        #expect(sign.status == 0, "sign-blob: \(sign.output)")
        let after = try Self.scrape(origin + "/metrics")
        func delta(_ key: String) -> Double { (after[key] ?? 0) - (before[key] ?? 0) }
        #expect(delta("sigstore_local_fulcio_certificates_issued_total{}") == 1, "one certificate for the run")
        #expect(delta("sigstore_local_log_entries_appended_total{log=rekor}") == 100)
        #expect(delta("sigstore_local_log_tree_size_entries{log=rekor}") == 100)
        #expect(delta("sigstore_local_log_batch_size_entries_sum{log=rekor}") == 100)
        #expect(delta("sigstore_local_log_batch_size_entries_count{log=rekor}") == delta("sigstore_local_log_commit_duration_seconds_count{log=rekor}"))
        #expect(delta("sigstore_local_log_batch_size_entries_count{log=rekor}") >= 1)
        #expect(delta("sigstore_local_http_requests_total{method=POST,route=/rekor/api/v1/log/entries,service=rekor,status=201}") == 100, "\(after.keys.filter { $0.contains("requests_total") })")
        #expect(delta("sigstore_local_http_requests_total{method=POST,route=/fulcio/api/v2/signingCert,service=fulcio,status=200}") == 1, "\(after.keys.filter { $0.contains("requests_total") })")
        #expect(delta("sigstore_local_http_request_duration_seconds_count{route=/rekor/api/v1/log/entries,service=rekor}") == 100)
        #expect(delta("sigstore_local_log_entries_appended_total{log=rekor-v2}") == 0)
        #expect(delta("sigstore_local_tsa_timestamps_issued_total{}") == 0)
        // A refused request is counted with its status.
        _ = try await HTTP.post(f.stack["rekor"] + "/api/v1/log/entries", json: "{}")
        let refused = try Self.scrape(origin + "/metrics")
        #expect(refused["sigstore_local_http_requests_total{method=POST,route=/rekor/api/v1/log/entries,service=rekor,status=400}"] == 1, "\(refused.keys.filter { $0.contains("status=4") })")
    }
}
