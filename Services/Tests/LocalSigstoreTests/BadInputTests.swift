import Crypto
import NIOHTTP1
import Foundation
import JWTKit
import SigstoreCrypto
import SigstoreModels
import SigstoreTesting
import Testing
import SigstoreJSON

/// Untrusted or expired tokens, a proof over the wrong claim, bad CSRs: each gets a 4xx JSON error from Fulcio.
@Suite("Bad input to Fulcio is refused with a JSON 4xx", .serialized)
struct BadInputTests {
    /// Expects a 4xx with a JSON object carrying a message.
    static func expectRefused(_ reply: HTTP.Reply, _ status: Int, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(reply.status == status, "\(what): status \(reply.status) \(reply.text)", sourceLocation: sourceLocation)
        #expect(reply.headers.first(name: "Content-Type")?.hasPrefix("application/json") == true, "\(what): JSON", sourceLocation: sourceLocation)
        let message = reply.json?["message"]?.string ?? reply.json?["error_description"]?.string
        #expect(message?.isEmpty == false, "\(what): message in \(reply.text)", sourceLocation: sourceLocation)
    }

    @Test("a second serve on the same data directory refuses to start with one error line, and the first keeps answering (issue 23 item 8)")
    func secondServeRefused() async throws {
        let tmp = try TemporaryDirectory()
        let first = try StackProcess(dataDirectory: tmp.path + "/data")
        defer { first.stop() }
        let trustBefore = try Data(contentsOf: URL(fileURLWithPath: first.dataDirectory + "/trusted_root.json"))
        let (status, output) = try shell([Paths.binary, "serve", "--data-dir", first.dataDirectory, "--log-level", "warning"])
        #expect(status != 0)
        let lines = output.split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        #expect(lines.count == 1 && output.contains("is in use by sigstore-local process"), "\(output)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: first.dataDirectory + "/trusted_root.json")) == trustBefore, "trust files untouched")
        let health = try await HTTP.get(first["rekor"] + "/healthz")
        #expect(health.status == 200)
    }

    @Test("a bad --public-url refuses the start with one line, never echoing a credential")
    func badPublicURL() throws {
        let tmp = try TemporaryDirectory()
        let port = "\(try freePort())"
        let cases: [([String], String)] = [
            (["--public-url", "https://sigstore.example.com"], "needs --port"),
            (["--port", port, "--public-url", "ftp://sigstore.example.com"], "must be an http(s) URL"),
            (["--port", port, "--public-url", "https://sigstore.example.com/?x=1"], "must be an http(s) URL"),
            (["--port", port, "--public-url", "https://admin:hunter2@sigstore.example.com"], "must not carry a user name or password"),
        ]
        for (arguments, expected) in cases {
            let (status, output) = try shell(
                [Paths.binary, "serve", "--data-dir", tmp.path + "/data", "--log-level", "warning"] + arguments)
            #expect(status != 0, "\(arguments)")
            let lines = output.split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
            #expect(lines.count == 1 && output.contains(expected), "\(arguments): \(output)")
            #expect(!output.contains("hunter2"), "the password stays out of the error")
        }
    }

    @Test("a data directory the server creates is owner-only under umask 000; a body shorter than its Content-Length gets 400, not 500")
    func umaskAndTruncatedBodies() async throws {
        let tmp = try TemporaryDirectory()
        let stack = try StackProcess(dataDirectory: tmp.path + "/fresh/data", umask: "000")
        defer { stack.stop() }
        let mode = try FileManager.default.attributesOfItem(atPath: stack.dataDirectory)[.posixPermissions] as? Int
        #expect(mode == 0o700, "data directory mode \(String(mode ?? 0, radix: 8))")
        // A client that declares 100 bytes, sends 10 and half-closes: the answer is a 4xx.
        let script = """
            import socket, sys
            host, port, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
            s = socket.create_connection((host, port), timeout=10)
            s.sendall(f"POST {path} HTTP/1.1\\r\\nHost: {host}\\r\\nContent-Type: application/json\\r\\nContent-Length: 100\\r\\n\\r\\n{{\\"a\\": 1,".encode())
            s.shutdown(socket.SHUT_WR)
            data = b""
            while True:
                chunk = s.recv(4096)
                if not chunk: break
                data += chunk
            print(data.split(b"\\r\\n", 1)[0].decode())
            """
        try script.write(toFile: tmp.path + "/truncated.py", atomically: true, encoding: .utf8)
        for (service, path) in [("rekor", "/api/v1/log/entries"), ("fulcio", "/api/v2/signingCert"), ("rekor-v2", "/api/v2/log/entries")] {
            guard let url = URL(string: stack[service]), let host = url.host, let port = url.port else { continue }
            let (status, output) = try run("/usr/bin/env", ["python3", tmp.path + "/truncated.py", host, String(port), path])
            #expect(status == 0, "\(service): \(output)")
            #expect(output.hasPrefix("HTTP/1.1 4"), "\(service) answered: \(output)")
        }
    }

    // Fulcio verifies identity tokens against the development issuer's keys over HTTP, so this suite needs the
    // process; the logs' and the TSA's refusals are tested in process (RouterTests).
    @Test("Fulcio: bad proofs, expired, foreign and forged tokens, CSRs that are not PKCS#10 or do not verify", .enabled(if: Requirement.tool("openssl").shouldRun, "needs openssl"))
    func refusals() async throws {
        try Requirement.tool("openssl").check()
        let tmp = try TemporaryDirectory()
        let stack = try StackProcess(dataDirectory: tmp.path + "/data")
        defer { stack.stop() }

        // Fulcio.
        let fulcio = stack["fulcio"] + "/api/v2/signingCert"
        let key = P256.Signing.PrivateKey()
        func keyRequest(token: String, proof: String) throws -> String {
            let signature = try key.signature(for: SHA256.hash(data: Array(proof.utf8))).derRepresentation
            return #"{"credentials":{"oidcIdentityToken":"\#(token)"},"publicKeyRequest":{"publicKey":{"algorithm":"ECDSA","content":"\#(key.publicKey.pemRepresentation.replacingOccurrences(of: "\n", with: "\\n"))"},"proofOfPossession":"\#(Base64.encode(Array(signature)))"}}"#
        }
        let good = try run(Paths.binary, ["token", "--data-dir", stack.dataDirectory, "--email", "alice@example.com"]).output
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let ok = try await HTTP.post(fulcio, json: try keyRequest(token: good, proof: "alice@example.com"))
        #expect(ok.status == 200, "a good request is answered: \(ok.text)")
        #expect(ok.json?["signedCertificateEmbeddedSct"]?["chain"]?["certificates"]?.array.count == 3)
        Self.expectRefused(
            try await HTTP.post(fulcio, json: try keyRequest(token: good, proof: "mallory@example.com")), 400,
            "proof of possession over another identity")
        let expired = try run(Paths.binary, ["token", "--data-dir", stack.dataDirectory, "--email", "alice@example.com", "--expires-in=-60"])
            .output.trimmingCharacters(in: .whitespacesAndNewlines)
        Self.expectRefused(try await HTTP.post(fulcio, json: try keyRequest(token: expired, proof: "alice@example.com")), 401, "expired token")
        // Emails a certificate must not carry: a newline (it would reach the SAN), non-ASCII (was a 500), a space.
        for email in ["alice\n@example.com", "ålice@example.com", "alice @example.com", "alice@example..com"] {
            let odd = try run(Paths.binary, ["token", "--data-dir", stack.dataDirectory, "--email", email]).output
                .trimmingCharacters(in: .whitespacesAndNewlines)
            Self.expectRefused(try await HTTP.post(fulcio, json: try keyRequest(token: odd, proof: email)), 401, "email \(email.debugDescription)")
        }
        // A token signed by another key for an issuer Fulcio does not know.
        let rogue = JWTKeyCollection()
        await rogue.add(ecdsa: try ES256PrivateKey(backing: P256.Signing.PrivateKey()), kid: "rogue")
        let foreign = try await rogue.sign(RogueClaims(iss: "https://accounts.example.com", sub: "alice", aud: ["sigstore"], exp: .init(value: Date().addingTimeInterval(300)), email: "alice@example.com", email_verified: true), kid: "rogue")
        Self.expectRefused(try await HTTP.post(fulcio, json: try keyRequest(token: foreign, proof: "alice@example.com")), 401, "unknown issuer")
        // The dev issuer's URL with a key it never had.
        let forged = try await rogue.sign(RogueClaims(iss: stack["oidc"], sub: "alice", aud: ["sigstore"], exp: .init(value: Date().addingTimeInterval(300)), email: "alice@example.com", email_verified: true), kid: "rogue")
        Self.expectRefused(try await HTTP.post(fulcio, json: try keyRequest(token: forged, proof: "alice@example.com")), 401, "forged signature")
        Self.expectRefused(try await HTTP.post(fulcio, json: #"{"certificateSigningRequest":"not base64!"}"#), 401, "no token")
        Self.expectRefused(
            try await HTTP.request(.POST, fulcio, body: Array(#"{"certificateSigningRequest":"bm90IGEgQ1NS"}"#.utf8), headers: [("Authorization", "Bearer " + good)]),
            400, "a CSR that is not PKCS#10")
        Self.expectRefused(try await HTTP.post(fulcio, json: "{{"), 400, "Fulcio malformed JSON")
        // A CSR (made by openssl) is accepted; the same CSR with its signature altered is refused.
        let keyPath = stack.dataDirectory + "/../csr.key"
        try run("/usr/bin/openssl", ["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", keyPath])
        try run("/usr/bin/openssl", ["req", "-new", "-key", keyPath, "-subj", "/", "-outform", "DER", "-out", keyPath + ".csr"])
        var csr = Array(try Data(contentsOf: URL(fileURLWithPath: keyPath + ".csr")))
        let accepted = try await HTTP.request(
            .POST, fulcio, body: Array(#"{"certificateSigningRequest":"\#(Base64.encode(csr))"}"#.utf8), headers: [("Authorization", "Bearer " + good)])
        #expect(accepted.status == 200, "a CSR is accepted: \(accepted.text)")
        csr[csr.count - 5] ^= 0x01  // inside the ECDSA signature's s
        Self.expectRefused(
            try await HTTP.request(
                .POST, fulcio, body: Array(#"{"certificateSigningRequest":"\#(Base64.encode(csr))"}"#.utf8), headers: [("Authorization", "Bearer " + good)]),
            400, "a CSR whose signature does not verify")
    }
}

struct RogueClaims: JWTPayload {
    var iss: String
    var sub: String
    var aud: [String]
    var exp: ExpirationClaim
    var email: String
    var email_verified: Bool
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

@Suite("sigstore-local closes silent connections (issue 23 item 3)")
struct IdleConnectionTests {
    @Test("a connection that sends nothing, or half a request, is closed after --idle-timeout; the service keeps answering")
    func idleAndHalfSent() async throws {
        let tmp = try TemporaryDirectory()
        let stack = try StackProcess(dataDirectory: tmp.path + "/data", arguments: ["--idle-timeout", "2"])
        defer { stack.stop() }
        let script = """
            import socket, sys, time
            host, port, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
            s = socket.create_connection((host, port), timeout=20)
            if mode == "half":
                s.sendall(f"POST /api/v1/log/entries HTTP/1.1\\\\r\\\\nHost: {host}\\\\r\\\\nContent-Length: 100\\\\r\\\\n\\\\r\\\\n{{".encode())
            start = time.monotonic()
            try:
                while s.recv(4096):
                    pass
            except OSError:
                pass
            print(f"{time.monotonic() - start:.1f}")
            """
        try script.write(toFile: tmp.path + "/idle.py", atomically: true, encoding: .utf8)
        let url = try #require(URL(string: stack["rekor"]))
        for mode in ["silent", "half"] {
            let (status, output) = try run("/usr/bin/env", ["python3", tmp.path + "/idle.py", url.host ?? "", String(url.port ?? 0), mode])
            let seconds = Double(output.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 99
            #expect(status == 0 && seconds < 10, "\(mode): closed after \(output)")
        }
        let health = try await HTTP.get(stack["rekor"] + "/healthz")
        #expect(health.status == 200)
    }

    /// Opens `count` connections spread over every service (two client processes, so neither runs out of descriptors),
    /// waits until the handshakes are done, then times one `/healthz` on each service over a fresh connection.
    static let floodScript = """
        import multiprocessing, select, socket, sys, time
        targets = [(a.split(":")[0], int(a.split(":")[1])) for a in sys.argv[2:]]
        count = int(sys.argv[1])
        def hold(first, n, ready):
            # In batches, each connected and sent one byte of a request line before the next: idle connections the
            # server has taken in, not a SYN flood.
            socks, opened = [], 0
            for b in range(0, n, 250):
                batch = []
                for i in range(b, min(n, b + 250)):
                    s = socket.socket()
                    s.setblocking(False)
                    # Many loopback source addresses, so the flood is not limited by one address's ephemeral ports.
                    s.bind((f"127.0.{first + 1}.{2 + i % 200}", 0))
                    s.connect_ex(targets[(first + i) % len(targets)])
                    batch.append(s)
                poller, pending = select.poll(), {s.fileno(): s for s in batch}
                for fd in pending:
                    poller.register(fd, select.POLLOUT)
                deadline = time.monotonic() + 10
                while pending and time.monotonic() < deadline:
                    for fd, _ in poller.poll(1000):
                        poller.unregister(fd)
                        pending.pop(fd, None)
                for s in batch:
                    if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:
                        try:
                            s.send(b"G")
                            opened += 1
                        except OSError:
                            pass
                socks += batch
            ready.put(opened)
            time.sleep(600)
        ready = multiprocessing.Queue()
        workers = [multiprocessing.Process(target=hold, args=(k, count // 2, ready), daemon=True) for k in range(2)]
        for w in workers: w.start()
        opened = ready.get(timeout=60) + ready.get(timeout=60)
        time.sleep(10)
        # Probe every second while the server takes the flood in (it accepts a few thousand a second).
        for host, port in targets * 20:
            time.sleep(0.2)
            start = time.monotonic()
            try:
                s = socket.create_connection((host, port), timeout=5)
                s.sendall(f"GET /healthz HTTP/1.1\\r\\nHost: {host}\\r\\nConnection: close\\r\\n\\r\\n".encode())
                reply = b""
                while chunk := s.recv(4096):
                    reply += chunk
                status = reply.split(b" ")[1].decode() if reply else "none"
            except OSError as e:
                status = type(e).__name__
            print(f"{port} {status} {time.monotonic() - start:.3f}", flush=True)
        print(f"opened {opened}", flush=True)
        for w in workers: w.kill()
        """

    @Test("under 20,000 idle connections every service still answers /healthz, 95% within 1 s (issue 23 item 3)")
    func connectionFlood() async throws {
        let tmp = try TemporaryDirectory()
        let stack = try StackProcess(dataDirectory: tmp.path + "/data")
        defer { stack.stop() }
        try Self.floodScript.write(toFile: tmp.path + "/flood.py", atomically: true, encoding: .utf8)
        let services = ["oidc", "fulcio", "rekor", "rekor-v2", "tsa"]
        let targets = try services.map { name in
            let url = try #require(URL(string: stack[name]), "\(name) in the ready line")
            return "\(url.host ?? ""):\(url.port ?? 0)"
        }
        // The flood runs for most of a minute: wait for it on a thread of its own, not on one of the few threads the
        // other suites' async work shares.
        let (status, output) = try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try run("/usr/bin/env", ["python3", tmp.path + "/flood.py", "20000"] + targets) })
            }
        }
        #expect(status == 0, "\(output)")
        let lines = output.split(separator: "\n").map(String.init)
        #expect(lines.last.map { Int($0.split(separator: " ").last ?? "") ?? 0 } ?? 0 >= 19_000, "connections opened: \(output)")
        // Every probe is answered (the client gives up after 5 s: before the connection cap, probes timed out once the
        // server ran out of descriptors), and nearly all within 1 s. One slow answer is allowed for: with two cores
        // shared with the flood and the other suites, a probe has waited 2.4 s once in a clean-clone run.
        var quick = 0
        for line in lines.dropLast() {
            let fields = line.split(separator: " ")
            #expect(fields.count == 3 && fields[1] == "200", "healthz under the flood: \(line) in \(output)")
            if fields.count == 3, let seconds = Double(fields[2]), seconds < 1 { quick += 1 }
        }
        #expect(quick >= services.count * 20 * 95 / 100, "probes answered within 1 s: \(quick) of \(services.count * 20) in \(output)")
        #expect(lines.count == services.count * 20 + 1, "\(output)")
        // The flood is gone: the server answers as before.
        let health = try await HTTP.get(stack["rekor"] + "/healthz")
        #expect(health.status == 200)
    }
}
