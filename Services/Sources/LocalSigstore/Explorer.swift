import Foundation
internal import Hummingbird
internal import HTTPTypes
internal import SigstoreCrypto
internal import SigstoreVerify
internal import SwiftASN1
internal import TransparencyLog
internal import X509
import SigstoreJSON

/// A page for people: search the transparency logs by log index, entry UUID, artifact SHA-256 or signer identity
/// (email or URI), browse the newest entries, and read one entry (kind, time, signer and issuer, the certificate's
/// Fulcio extensions, inclusion proof, checkpoint). Server-rendered HTML without scripts; every value is escaped.
/// Hash and identity searches use the logs' search-key index in storage (SQLite or PostgreSQL).
struct Explorer: Sendable {
    /// One log the explorer reads.
    struct Log: Sendable {
        /// Its name in URLs and search keys (`rekor`, `rekor-v2`).
        var name: String
        /// What people call it.
        var title: String
        var log: TransparencyLog
        /// Rekor v1's tree ID, the prefix of its entry UUIDs.
        var treeID: Int64?
    }

    let logs: [Log]
    static let pageSize = 20

    func register(on router: some RouterMethods<BasicRequestContext>) {
        let group = router.group()
        group.get("/") { request, _ in
            let log = request.uri.queryParameters["log"].map(String.init)
            let page = request.uri.queryParameters["page"].flatMap { Int(String($0)) } ?? 1
            return Self.page(title: "sigstore-local transparency logs", body: try await self.home(log: log, page: max(1, page)))
        }
        group.get("/search") { request, _ in
            let query = request.uri.queryParameters["q"].map(String.init)?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            return Self.page(title: "Search: \(query)", body: try await self.search(query))
        }
        group.get("/entry/{log}/{index}") { _, context in
            let name = try context.parameters.require("log")
            guard let log = self.logs.first(where: { $0.name == name }), let index = Int(try context.parameters.require("index")),
                  let record = try await log.log.record(at: index)
            else { return Self.page(title: "No such entry", body: "<p class=\"empty\">There is no such entry.</p>", status: .notFound) }
            return Self.page(title: "\(log.title) entry \(index)", body: try await self.entry(record, in: log))
        }
    }

    // MARK: - Pages

    func home(log selected: String?, page: Int) async throws -> String {
        var out = Self.searchForm("")
        for log in logs where selected == nil || selected == log.name {
            // The newest entries, whichever replica integrated them.
            let size = try await log.log.checkpoint.size
            let pages = max(1, (size + Self.pageSize - 1) / Self.pageSize)
            let current = min(page, pages)
            let upper = size - (current - 1) * Self.pageSize
            let lower = max(0, upper - Self.pageSize)
            let records = try await log.log.records(in: lower..<upper).reversed()
            out += "<h2>\(Self.html(log.title)) — newest entries (tree size \(size))</h2>"
            if records.isEmpty {
                out += "<p class=\"empty\">No entries yet.</p>"
            } else {
                out += try table(records.map { try summary($0, in: log) })
            }
            var links: [String] = []
            if current > 1 { links.append("<a href=\"/?log=\(log.name)&amp;page=\(current - 1)\">newer</a>") }
            if current < pages { links.append("<a href=\"/?log=\(log.name)&amp;page=\(current + 1)\">older</a>") }
            out += "<p class=\"pages\">page \(current) of \(pages) \(links.joined(separator: " · "))</p>"
        }
        return out
    }

    func search(_ query: String) async throws -> String {
        let out = Self.searchForm(query)
        guard !query.isEmpty else { return out + "<p class=\"empty\">Enter a log index, an entry UUID, a SHA-256 or an identity.</p>" }
        var found: [Summary] = []
        let lower = query.lowercased()
        let hex = lower.hasPrefix("sha256:") ? String(lower.dropFirst(7)) : lower
        for log in logs {
            var indices: [Int] = []
            if let index = Int(query), index >= 0 {
                indices.append(index)
            } else if hex.count == 64 || hex.count == 80, let bytes = Hex.decode(String(hex.suffix(64))) {
                if hex.count == 64 { indices += try await log.log.indices(searchKey: "sha256:" + hex) }
                let treeMatches = hex.count == 64 || log.treeID.map { RekorV1Service.treePrefix($0) == hex.prefix(16) } ?? false
                if treeMatches, let index = try await log.log.index(ofLeafHash: bytes) { indices.append(index) }
            } else if query.contains("@"), !query.contains("://") {
                indices += try await log.log.indices(searchKey: "email:" + lower)
            } else if query.contains(":") {
                indices += try await log.log.indices(searchKey: "uri:" + query)
            }
            for index in Array(Set(indices)).sorted().suffix(200) {
                if let record = try await log.log.record(at: index) { found.append(try summary(record, in: log)) }
            }
        }
        if found.isEmpty {
            return out + "<p class=\"empty\">No entries match <code>\(Self.html(query))</code>.</p>"
        }
        return out + "<p>\(found.count) entr\(found.count == 1 ? "y" : "ies") for <code>\(Self.html(query))</code></p>" + table(found)
    }

    func entry(_ record: LogRecord, in log: Log) async throws -> String {
        let s = try summary(record, in: log)
        var rows: [(String, String)] = [
            ("Log", Self.html(log.title)), ("Log index", "\(record.index)"), ("Entry UUID", "<code>\(Self.html(s.uuid))</code>"),
            ("Kind", Self.html(s.kind)),
        ]
        if record.integratedTime > 0 { rows.append(("Integrated time", Self.html(Self.time(record.integratedTime)))) }
        if let digest = s.digest { rows.append(("Artifact digest", "<code>\(Self.html(digest))</code>")) }
        rows.append(("Signer", Self.html(s.identity ?? "a public key")))
        if let issuer = s.issuer { rows.append(("OIDC issuer", Self.html(issuer))) }
        var out = "<h2>\(Self.html(log.title)) entry \(record.index)</h2>" + Self.definitions(rows)
        if let certificate = s.certificate {
            var extensions: [(String, String)] = [
                ("Subject alternative name", Self.html(certificate.subjectAlternativeName ?? "")),
                ("Valid", Self.html("\(certificate.certificate.notValidBefore) – \(certificate.certificate.notValidAfter)")),
            ]
            for (arc, name) in Self.fulcioExtensionNames {
                guard let ext = certificate.certificate.extensions[oid: SigstoreOID.fulcio(arc)] else { continue }
                let value: String
                if arc <= 6 {
                    value = String(decoding: ext.value, as: UTF8.self)
                } else if let text = try? ASN1UTF8String(derEncoded: ext.value) {
                    value = String(text)
                } else {
                    value = Hex.encode(Array(ext.value))
                }
                extensions.append(("\(name) (1.3.6.1.4.1.57264.1.\(arc))", Self.html(value)))
            }
            out += "<h3>Certificate</h3>" + Self.definitions(extensions)
        }
        let checkpoint = try await log.log.checkpoint
        let proof = try await log.log.inclusionProof(index: record.index, size: checkpoint.size) ?? []
        out += "<h3>Inclusion proof</h3>"
        out += Self.definitions([
            ("Tree size", "\(checkpoint.size)"), ("Root hash", "<code>\(Hex.encode(checkpoint.rootHash))</code>"),
            ("Leaf hash", "<code>\(Hex.encode(Merkle.leafHash(record.body)))</code>"),
            ("Hashes", proof.isEmpty ? "none (a tree of one)" : proof.map { "<code>\(Hex.encode($0))</code>" }.joined(separator: "<br>")),
        ])
        out += "<h3>Checkpoint</h3><pre>\(Self.html(checkpoint.note))</pre>"
        out += "<h3>Body</h3><pre>\(Self.html(String(decoding: record.body, as: UTF8.self)))</pre>"
        return out
    }

    // MARK: - Entries

    struct Summary {
        var log: Log
        var index: Int
        var uuid: String
        var kind: String
        var integratedTime: Int64
        var digest: String?
        var identity: String?
        var issuer: String?
        var certificate: SigningCertificate?
    }

    /// What the explorer shows of an entry, read from its canonical body.
    func summary(_ record: LogRecord, in log: Log) throws -> Summary {
        let leaf = Hex.encode(Merkle.leafHash(record.body))
        var s = Summary(
            log: log, index: record.index, uuid: log.treeID.map { RekorV1Service.treePrefix($0) + leaf } ?? leaf, kind: "unknown",
            integratedTime: record.integratedTime)
        guard let body = try? JSONParser.parse(record.body) else { return s }
        let kind = body["kind"]?.stringValue ?? "?"
        s.kind = kind + " " + (body["apiVersion"]?.stringValue ?? "")
        var verifierDER: [UInt8]?
        let spec = body["spec"]
        if let hash = spec?["data"]?["hash"], let algorithm = hash["algorithm"]?.stringValue, let value = hash["value"]?.stringValue {
            s.digest = "\(algorithm):\(value)"
        }
        if let pem = spec?["signature"]?["publicKey"]?["content"]?.stringValue { verifierDER = Self.der(base64PEM: pem) }
        if let signatures = spec?["signatures"]?.arrayValue, let pem = signatures.first?["verifier"]?.stringValue {
            verifierDER = Self.der(base64PEM: pem)
            if let payloadHash = spec?["payloadHash"], let algorithm = payloadHash["algorithm"]?.stringValue, let value = payloadHash["value"]?.stringValue {
                s.digest = "payload \(algorithm):\(value)"
            }
        }
        if let v2 = spec?["hashedRekordV002"] {
            if let digest = v2["data"]?["digest"]?.stringValue, let bytes = Base64.decode(digest) {
                s.digest = (bytes.count == 32 ? "sha256:" : bytes.count == 48 ? "sha384:" : "sha512:") + Hex.encode(bytes)
            }
            let verifier = v2["signature"]?["verifier"]
            if let raw = verifier?["x509Certificate"]?["rawBytes"]?.stringValue { verifierDER = Base64.decode(raw) }
        }
        if let der = verifierDER, let certificate = try? SigningCertificate(der: der) {
            s.certificate = certificate
            s.identity = certificate.subjectAlternativeName
            s.issuer = certificate.issuer
        }
        return s
    }

    static func der(base64PEM: String) -> [UInt8]? {
        guard let bytes = Base64.decode(base64PEM), let text = String(bytes: bytes, encoding: .utf8),
              let block = try? PEMBlock.parseFirst(text), block.label == "CERTIFICATE"
        else { return nil }
        return block.bytes
    }

    /// The search keys of a signer's certificate: `email:` (lowercased) and `uri:` for each SAN.
    static func identityKeys(certificateDER der: [UInt8]) -> [String] {
        guard let certificate = try? Certificate(derEncoded: der), let names = try? certificate.extensions.subjectAlternativeNames else { return [] }
        var keys: [String] = []
        for name in names {
            switch name {
            case .rfc822Name(let email): keys.append("email:" + email.lowercased())
            case .uniformResourceIdentifier(let uri): keys.append("uri:" + uri)
            default: break
            }
        }
        return keys
    }

    static let fulcioExtensionNames: [(UInt, String)] = [
        (1, "Issuer (deprecated)"), (2, "GitHub Workflow Trigger"), (3, "GitHub Workflow SHA"), (4, "GitHub Workflow Name"),
        (5, "GitHub Workflow Repository"), (6, "GitHub Workflow Ref"), (8, "Issuer"), (9, "Build Signer URI"), (10, "Build Signer Digest"),
        (11, "Runner Environment"), (12, "Source Repository URI"), (13, "Source Repository Digest"), (14, "Source Repository Ref"),
        (15, "Source Repository Identifier"), (16, "Source Repository Owner URI"), (17, "Source Repository Owner Identifier"),
        (18, "Build Config URI"), (19, "Build Config Digest"), (20, "Build Trigger"), (21, "Run Invocation URI"),
        (22, "Source Repository Visibility At Signing"), (23, "Deployment Environment"), (24, "Token Subject"),
    ]

    // MARK: - HTML

    func table(_ rows: [Summary]) -> String {
        var out = "<table><thead><tr><th>log</th><th>index</th><th>kind</th><th>signer</th><th>issuer</th><th>time</th></tr></thead><tbody>"
        for s in rows {
            out += "<tr><td>\(Self.html(s.log.title))</td><td><a href=\"/entry/\(s.log.name)/\(s.index)\">\(s.index)</a></td>"
            out += "<td>\(Self.html(s.kind))</td><td>\(Self.html(s.identity ?? "a public key"))</td><td>\(Self.html(s.issuer ?? ""))</td>"
            out += "<td>\(s.integratedTime > 0 ? Self.html(Self.time(s.integratedTime)) : "")</td></tr>"
        }
        return out + "</tbody></table>"
    }

    static func searchForm(_ query: String) -> String {
        """
        <form action="/search" method="get"><input type="search" name="q" size="70" value="\(html(query))" \
        placeholder="log index, entry UUID, sha256:…, email or URI"> <button type="submit">Search</button></form>
        """
    }

    static func definitions(_ rows: [(String, String)]) -> String {
        "<dl>" + rows.map { "<dt>\(html($0.0))</dt><dd>\($0.1)</dd>" }.joined() + "</dl>"
    }

    static func page(title: String, body: String, status: HTTPResponse.Status = .ok) -> Response {
        let html = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>\(Self.html(title))</title>
            <style>
            body{font-family:system-ui,sans-serif;margin:2em;max-width:75em;color:#222}
            h1 a{color:inherit;text-decoration:none} table{border-collapse:collapse;width:100%;margin:.5em 0}
            th,td{border-bottom:1px solid #ddd;padding:.3em .5em;text-align:left;font-size:.9em;vertical-align:top}
            dl{display:grid;grid-template-columns:max-content auto;gap:.3em 1em} dt{font-weight:600} dd{margin:0;word-break:break-all}
            code,pre{font-size:.85em} pre{background:#f4f4f4;padding:.6em;overflow-x:auto;white-space:pre-wrap;word-break:break-all}
            .empty{color:#777;font-style:italic}
            </style></head>
            <body><h1><a href="/">sigstore-local</a> transparency logs</h1>
            \(body)
            </body></html>
            """
        return Response.bytes(Array(html.utf8), contentType: "text/html; charset=utf-8", status: status)
    }

    static func time(_ seconds: Int64) -> String {
        Date(timeIntervalSince1970: Double(seconds)).formatted(.iso8601)
    }

    /// Escapes text for HTML element content and quoted attribute values.
    static func html(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }
}
