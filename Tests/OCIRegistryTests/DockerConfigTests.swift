import Foundation
import OCIModels
import OCIRegistry
import Testing
import SigstoreCore

@Suite("Docker configuration credentials")
struct DockerConfigTests {
    @Test("auths, Docker Hub keys, credential helpers and credsStore")
    func lookup() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("docker-\(UUID().uuidString)")
        let bin = dir.appendingPathComponent("bin")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let auth = Data("alice:s3cret".utf8).base64EncodedString()
        try """
            {"auths": {"127.0.0.1:5000": {"auth": "\(auth)"}, "https://index.docker.io/v1/": {"username": "hub", "password": "hubpw"},
                       "tok.example": {"identitytoken": "refresh"}},
             "credHelpers": {"helped.example": "fake"}, "credsStore": "store"}
            """.write(to: dir.appendingPathComponent("config.json"), atomically: true, encoding: .utf8)
        // A helper that answers for helped.example and says "not found" otherwise; a store that finds nothing.
        let fake = bin.appendingPathComponent("docker-credential-fake").path
        try """
            #!/bin/sh
            read server
            if [ "$server" = "helped.example" ]; then echo '{"ServerURL":"helped.example","Username":"bob","Secret":"helperpw"}'; exit 0; fi
            echo "credentials not found in native keychain"; exit 1
            """.write(toFile: fake, atomically: true, encoding: .utf8)
        let store = bin.appendingPathComponent("docker-credential-store").path
        try "#!/bin/sh\necho 'credentials not found in native keychain'\nexit 1\n".write(toFile: store, atomically: true, encoding: .utf8)
        for f in [fake, store] { try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: f) }

        let provider = try DockerConfigCredentials(environment: ["DOCKER_CONFIG": dir.path, "PATH": bin.path + ":/usr/bin:/bin"])
        #expect(try provider.credentials(for: "127.0.0.1:5000") == .init(username: "alice", password: "s3cret"))
        #expect(try provider.credentials(for: "index.docker.io") == .init(username: "hub", password: "hubpw"))
        #expect(try provider.credentials(for: "tok.example") == .init(username: "<token>", password: "refresh"))
        #expect(try provider.credentials(for: "helped.example") == .init(username: "bob", password: "helperpw"))
        #expect(try provider.credentials(for: "unknown.example") == nil)
        // The store helper exits without reading its input: asking it many times must not kill this process with
        // SIGPIPE (it did, now and then, before standard input became a socket written with MSG_NOSIGNAL).
        for _ in 0..<200 { #expect(try provider.credentials(for: "unknown.example") == nil) }

        let none = try DockerConfigCredentials(environment: ["DOCKER_CONFIG": dir.appendingPathComponent("absent").path])
        #expect(try none.credentials(for: "127.0.0.1:5000") == nil)

        try "{not json".write(to: dir.appendingPathComponent("config.json"), atomically: true, encoding: .utf8)
        #expect(throws: OCIError(.unauthorized, "")) { _ = try DockerConfigCredentials(environment: ["DOCKER_CONFIG": dir.path]) }
    }
}
