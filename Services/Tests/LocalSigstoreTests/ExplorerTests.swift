import Foundation
import SigstoreTesting
import Testing

/// The transparency-log explorer at `/` (issue 19), read by headless Chromium.
@Suite("explorer: search and entry pages in headless Chromium", .serialized)
struct ExplorerTests {
    /// The DOM Chromium builds for `url` (scripts would run; none are served).
    static func dom(_ url: String) throws -> String {
        let result = try shell(["timeout", "60", "chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--dump-dom", url])
        guard result.status == 0 else { throw HarnessError("chromium --dump-dom \(url): \(result.output)") }
        return result.output
    }

    @Test(
        "search by email, by artifact hash, by index and by entry UUID; an entry page with the workflow's extensions, proof and checkpoint; an unknown hash shows an empty state; an identity with <script> is text",
        .enabled(if: Requirement.tool("chromium").shouldRun, "needs chromium"))
    func explorer() async throws {
        try Requirement.tool("chromium").check()
        let f = try KeylessFixture(stackArguments: ["--port", "0"])
        let origin = f.stack["fulcio"].replacingOccurrences(of: "/fulcio", with: "")
        let blob = try f.write("artifact.txt", "looked up in the explorer\n")
        let hash = try shell(["sha256sum", blob]).output.split(separator: " ")[0]
        func sign(_ token: String, _ flags: [String], _ name: String) throws {
            let signed = try CosignBinary.run(["sign-blob", "-y", "--identity-token", token, "--bundle", f.dir + "/\(name).json", blob] + flags)
            #expect(signed.status == 0, "sign-blob \(name): \(signed.output)")
        }
        try sign(try f.token(), f.urlFlags(tsa: false), "email")
        let hostile = "<script>document.title='owned'</script>@evil.example"
        try sign(try f.token(email: hostile), f.urlFlags(tsa: false), "hostile")
        let workflow = "octo-org/app/.github/workflows/release.yml@refs/heads/main"
        let ci = try run(Paths.binary, ["token", "--data-dir", f.data, "--github-workflow", workflow]).output.trimmingCharacters(in: .whitespacesAndNewlines)
        try sign(ci, f.configFlags, "workflow")

        let byEmail = try Self.dom(origin + "/search?q=" + KeylessFixture.email)
        #expect(byEmail.contains("1 entry for") && byEmail.contains(">\(KeylessFixture.email)<"), "\(byEmail)")
        let byHash = try Self.dom(origin + "/search?q=sha256:\(hash)")
        #expect(byHash.contains("3 entries for"), "both Rekor v1 entries and the Rekor v2 one: \(byHash)")
        let byIndex = try Self.dom(origin + "/search?q=1")
        #expect(byIndex.contains("/entry/rekor/1") && !byIndex.contains("/entry/rekor-v2/1"), "\(byIndex)")
        let byURI = try Self.dom(origin + "/search?q=https://github.com/\(workflow)")
        #expect(byURI.contains("/entry/rekor-v2/0"), "\(byURI)")

        let entry = try Self.dom(origin + "/entry/rekor-v2/0")
        #expect(entry.contains("https://github.com/octo-org/app"), "\(entry)")
        #expect(entry.contains("GitHub Workflow Repository (1.3.6.1.4.1.57264.1.5)") && entry.contains("octo-org/app"))
        #expect(entry.contains("Inclusion proof") && entry.contains("Checkpoint") && entry.contains(f.issuer + "/github"))
        let uuid = try #require(entry.firstMatch(of: /Entry UUID<\/dt><dd><code>([0-9a-f]{64})</)?.1)
        let byUUID = try Self.dom(origin + "/search?q=\(uuid)")
        #expect(byUUID.contains("/entry/rekor-v2/0"), "\(byUUID)")

        let unknown = try Self.dom(origin + "/search?q=sha256:" + String(repeating: "0", count: 64))
        #expect(unknown.contains("No entries match"), "\(unknown)")
        let missing = try await HTTP.get(origin + "/entry/rekor/999")
        #expect(missing.status == 404 && missing.text.contains("There is no such entry"))

        // The hostile identity is text: no script ran (the title is unchanged) and its markup is escaped.
        let listed = try Self.dom(origin + "/search?q=" + hostile.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)
        #expect(listed.contains("&lt;script&gt;document.title='owned'&lt;/script&gt;@evil.example"), "\(listed)")
        #expect(!listed.contains("<title>owned</title>") && !listed.contains("<script>"), "\(listed)")
    }

    @Test(
        "over PostgreSQL: identity and hash searches read its search-key index",
        .enabled(if: PostgresServer.requirement.shouldRun, "needs \(PostgresServer.requirement)"))
    func postgres() async throws {
        try PostgresServer.requirement.check()
        let pg = try PostgresServer()
        let f = try KeylessFixture(stackArguments: ["--port", "0", "--database", pg.url])
        let origin = f.stack["fulcio"].replacingOccurrences(of: "/fulcio", with: "")
        let blob = try f.write("artifact.txt", "logged in PostgreSQL\n")
        let hash = try shell(["sha256sum", blob]).output.split(separator: " ")[0]
        for flags in [f.urlFlags(tsa: false), f.configFlags] {
            let signed = try CosignBinary.run(["sign-blob", "-y", "--identity-token", try f.token(), "--bundle", f.dir + "/b.json", blob] + flags)
            #expect(signed.status == 0, "\(signed.output)")
        }
        let byEmail = try await HTTP.get(origin + "/search?q=" + KeylessFixture.email)
        #expect(byEmail.text.contains("2 entries for") && byEmail.text.contains("/entry/rekor/0") && byEmail.text.contains("/entry/rekor-v2/0"), "\(byEmail.text)")
        let byHash = try await HTTP.get(origin + "/search?q=sha256:\(hash)")
        #expect(byHash.text.contains("2 entries for"), "\(byHash.text)")
    }
}
