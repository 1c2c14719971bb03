import Foundation
import RegistryTesting
import SigstoreTesting
import Testing

@Suite("registry credentials stay encrypted")
struct RegistryCredentialTests {
    /// An HTTPS "registry" whose bearer challenge names a plain-HTTP token realm, and that realm, which records any
    /// `Authorization` header it receives (issue 23 item 6).
    static let server = #"""
        import http.server, ssl, sys, threading
        https_port, http_port, cert, key, log = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
        class Registry(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(401)
                self.send_header("WWW-Authenticate", f'Bearer realm="http://127.0.0.1:{http_port}/token",service="hostile"')
                self.send_header("Content-Length", "0")
                self.end_headers()
            do_HEAD = do_GET
            def log_message(self, *a): pass
        class Realm(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                with open(log, "a") as f:
                    f.write(f"{self.path} auth={self.headers.get('Authorization') is not None}\n")
                body = b'{"token":"t"}'
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            def log_message(self, *a): pass
        realm = http.server.ThreadingHTTPServer(("127.0.0.1", http_port), Realm)
        threading.Thread(target=realm.serve_forever, daemon=True).start()
        registry = http.server.ThreadingHTTPServer(("127.0.0.1", https_port), Registry)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        registry.socket = context.wrap_socket(registry.socket, server_side=True)
        registry.serve_forever()
        """#

    @Test(
        "an HTTPS registry naming an http:// token realm gets no credentials sent in clear text",
        .enabled(if: Requirement.tool("openssl").shouldRun && Requirement.tool("python3").shouldRun))
    func noDowngrade() async throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (status, out) = try runProcess(
            "openssl",
            [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "\(dir)/key.pem", "-out", "\(dir)/cert.pem",
                "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
            ])
        try #require(status == 0, "\(out)")
        try Self.server.write(toFile: "\(dir)/server.py", atomically: true, encoding: .utf8)
        let (httpsPort, httpPort) = (try TestRegistry.freePort(), try TestRegistry.freePort())
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "\(dir)/server.py", String(httpsPort), String(httpPort), "\(dir)/cert.pem", "\(dir)/key.pem", "\(dir)/realm.log"]
        try process.run()
        defer {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        for _ in 0..<200 {
            if TestRegistry.canConnect(port: httpsPort) { break }
            usleep(25_000)
        }
        #expect(await cosign(["generate-key-pair", "--output-key-prefix", "\(dir)/k"], env: ["COSIGN_PASSWORD": "pw"]).status == 0)
        let image = "127.0.0.1:\(httpsPort)/app@sha256:\(String(repeating: "ab", count: 32))"
        let result = await cosign(
            [
                "verify", "--key", "\(dir)/k.pub", "--insecure-ignore-tlog", "--registry-cacert", "\(dir)/cert.pem", "--registry-username", "alice", "--registry-password",
                "secret-registry-pw", image,
            ],
            env: ["HOME": dir])
        expectOneLineError(result, containing: "refusing to send its credentials unencrypted")
        #expect(!result.stderr.contains("secret-registry-pw"))
        let log = (try? String(contentsOfFile: "\(dir)/realm.log", encoding: .utf8)) ?? ""
        #expect(!log.contains("auth=True"), "the realm received credentials: \(log)")
    }
}
