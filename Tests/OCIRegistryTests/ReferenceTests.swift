import OCIModels
import Testing
import SigstoreCore

@Suite("Image references (go-containerregistry's grammar and normalization)")
struct ReferenceTests {
    @Test(
        "normalization",
        arguments: [
            ("alpine", "index.docker.io/library/alpine:latest"),
            ("alpine:3.20", "index.docker.io/library/alpine:3.20"),
            ("docker.io/alpine", "index.docker.io/library/alpine:latest"),
            ("docker.io/org/app:v1", "index.docker.io/org/app:v1"),
            ("org/app", "index.docker.io/org/app:latest"),
            ("localhost:5000/app", "localhost:5000/app:latest"),
            ("localhost/app:1", "localhost/app:1"),
            ("127.0.0.1:5000/a/b/c:tag", "127.0.0.1:5000/a/b/c:tag"),
            ("ghcr.io/sigstore/cosign:v2.2.0", "ghcr.io/sigstore/cosign:v2.2.0"),
            ("repo:", "index.docker.io/library/repo:latest"),
            (
                "ghcr.io/a/b@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
                "ghcr.io/a/b@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
            ),
            (
                "ghcr.io/a/b:tag@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
                "ghcr.io/a/b@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
            ),
            ("[::1]:5000/app", "[::1]:5000/app:latest"),
        ])
    func normalization(input: String, expected: String) throws {
        #expect(try ImageReference(parsing: input).name == expected)
    }

    @Test(
        "invalid references name the problem",
        arguments: [
            ("", "repository name must be specified"),
            ("UPPER/case", "repository can only contain"),
            ("app:bad tag", "tag can only contain"),
            ("app@sha256:abc", "digest must be sha256"),
            ("a@b@c", "could not parse reference"),
            ("https://ghcr.io/a/b", "must not contain a URL scheme"),
            ("bad host!:5000/app", "could not parse reference"),
            ("a", "between 2 and 255"),
        ])
    func invalid(input: String, fragment: String) {
        do {
            _ = try ImageReference(parsing: input)
            Issue.record("\(input) parsed")
        } catch let e as OCIError {
            #expect(e.code == .invalidReference)
            #expect(e.message.contains(fragment), "\(e.message)")
        } catch {
            Issue.record("\(error)")
        }
    }

    @Test("schemes: http for localhost, loopback and private networks, https elsewhere")
    func schemes() throws {
        #expect(try ImageReference(parsing: "localhost:5000/ab").defaultScheme == "http")
        #expect(try ImageReference(parsing: "127.0.0.1:5000/ab").defaultScheme == "http")
        #expect(try ImageReference(parsing: "192.168.1.2:5000/ab").defaultScheme == "http")
        #expect(try ImageReference(parsing: "reg.localhost/ab").defaultScheme == "http")
        #expect(try ImageReference(parsing: "ghcr.io/ab").defaultScheme == "https")
        #expect(try ImageReference(parsing: "172.32.0.1/a/b").defaultScheme == "https")
    }
}
