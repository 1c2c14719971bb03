#if canImport(FoundationEssentials)
internal import FoundationEssentials
#else
internal import Foundation
#endif
internal import OCIModels
#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif
import SigstoreCore
import SigstoreJSON

/// Credentials from the Docker client configuration, as Go cosign (go-containerregistry's default keychain) reads
/// them: `$DOCKER_CONFIG/config.json` or `~/.docker/config.json`; per-registry `credHelpers`, then `credsStore`, then
/// `auths` (`auth` = base64 of `user:password`, or `username`/`password`, or `identitytoken`). Helpers are the
/// `docker-credential-<name>` programs on `PATH`, asked with `get`.
public struct DockerConfigCredentials: CredentialProvider {
    struct Config: Decodable {
        struct Entry: Decodable {
            var auth: String?
            var username: String?
            var password: String?
            var identitytoken: String?
        }
        var auths: [String: Entry]?
        var credsStore: String?
        var credHelpers: [String: String]?
    }

    private let config: Config?
    private let path: String
    private let searchPath: String

    /// Reads the configuration named by `environment` (`DOCKER_CONFIG`, `HOME`, `PATH`); a missing file means
    /// anonymous access everywhere.
    public init(environment: [String: String]) throws {
        let directory = environment["DOCKER_CONFIG"] ?? ((environment["HOME"] ?? "") + "/.docker")
        path = directory + "/config.json"
        searchPath = environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        guard let data = FileManager.default.contents(atPath: path) else {
            config = nil
            return
        }
        do {
            config = try JSONDecoder().decode(Config.self, from: data)
        } catch {
            throw OCIError(.unauthorized, "reading \(path): not a valid Docker configuration file")
        }
    }

    /// The keys a registry may appear under in `auths` and `credHelpers`.
    static func keys(for registry: String) -> [String] {
        if registry == ImageReference.dockerHub || registry == "docker.io" || registry == "registry-1.docker.io" {
            return ["https://index.docker.io/v1/", "index.docker.io", "docker.io", "https://index.docker.io", "registry-1.docker.io"]
        }
        return [registry, "https://\(registry)", "http://\(registry)", "https://\(registry)/v1/", "https://\(registry)/v2/"]
    }

    public func credentials(for registry: String) throws -> RegistryCredentials? {
        guard let config else { return nil }
        let keys = Self.keys(for: registry)
        if let helper = keys.lazy.compactMap({ config.credHelpers?[$0] }).first {
            return try fromHelper(helper, server: keys[0])
        }
        if let store = config.credsStore, !store.isEmpty {
            if let found = try fromHelper(store, server: keys[0]) { return found }
        }
        guard let entry = keys.lazy.compactMap({ config.auths?[$0] }).first else { return nil }
        if let token = entry.identitytoken, !token.isEmpty {
            return RegistryCredentials(username: "<token>", password: token)
        }
        if let auth = entry.auth, !auth.isEmpty {
            guard let decoded = Data(base64Encoded: auth).map({ String(decoding: $0, as: UTF8.self) }),
                let colon = decoded.firstIndex(of: ":")
            else {
                throw OCIError(.unauthorized, "\(path): the auth entry for \(registry) is not base64 of user:password")
            }
            return RegistryCredentials(username: String(decoded[..<colon]), password: String(decoded[decoded.index(after: colon)...]))
        }
        if let user = entry.username, let password = entry.password {
            return RegistryCredentials(username: user, password: password)
        }
        return nil
    }

    /// Asks `docker-credential-<helper> get`; "not found" answers mean no credentials.
    private func fromHelper(_ helper: String, server: String) throws -> RegistryCredentials? {
        let program = "docker-credential-\(helper)"
        let candidates: [String] = searchPath.split(separator: ":").map { dir in "\(dir)/\(program)" }
        guard let executable = candidates.first(where: { candidate in access(candidate, X_OK) == 0 }) else {
            throw OCIError(.unauthorized, "credential helper \(program) named in \(path) is not on PATH")
        }
        let (status, output) = try Subprocess.run(executable, arguments: ["get"], input: Array(server.utf8))
        guard status == 0 else {
            if String(decoding: output, as: UTF8.self).lowercased().contains("not found") { return nil }
            throw OCIError(.unauthorized, "credential helper \(program) failed with status \(status)")
        }
        struct Answer: Decodable {
            var Username: String
            var Secret: String
        }
        guard let answer = try? JSONDecoder().decode(Answer.self, from: Data(output)) else {
            throw OCIError(.unauthorized, "credential helper \(program) returned something that is not credentials JSON")
        }
        return RegistryCredentials(username: answer.Username, password: answer.Secret)
    }
}

/// Runs a program with standard input and captured standard output, without Foundation's `Process`.
enum Subprocess {
    static func run(_ executable: String, arguments: [String], input: [UInt8]) throws -> (Int32, [UInt8]) {
        // Standard input is a socket pair so that writing to a program that exits without reading it gives EPIPE
        // (send with MSG_NOSIGNAL) instead of killing this process with SIGPIPE.
        var stdinPipe: [Int32] = [0, 0]
        var stdoutPipe: [Int32] = [0, 0]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &stdinPipe) == 0, pipe(&stdoutPipe) == 0 else {
            throw OCIError(.transport, "pipe failed")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdinPipe[0], 0)
        posix_spawn_file_actions_adddup2(&actions, stdoutPipe[1], 1)
        posix_spawn_file_actions_addclose(&actions, stdinPipe[1])
        posix_spawn_file_actions_addclose(&actions, stdoutPipe[0])
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        close(stdinPipe[0])
        close(stdoutPipe[1])
        guard spawned == 0 else {
            close(stdinPipe[1])
            close(stdoutPipe[0])
            throw OCIError(.transport, "cannot run \(executable): error \(spawned)")
        }
        input.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = send(stdinPipe[1], buffer.baseAddress! + offset, buffer.count - offset, Int32(MSG_NOSIGNAL))
                if n <= 0 { break }
                offset += n
            }
        }
        close(stdinPipe[1])
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = read(stdoutPipe[0], &chunk, chunk.count)
            if n <= 0 { break }
            output += chunk[0..<n]
            if output.count > 1 << 20 { break }
        }
        close(stdoutPipe[0])
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let exitCode = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return (exitCode, output)
    }
}

extension DockerConfigCredentials {
    /// The key `cosign login SERVER` stores credentials under (go-containerregistry: the normalized registry name,
    /// Docker Hub as `https://index.docker.io/v1/`).
    public static func loginKey(for server: String) throws -> String {
        let registry = try ImageReference.registryName(server)
        return registry == ImageReference.dockerHub ? "https://index.docker.io/v1/" : registry
    }

    /// Stores credentials as `docker login` does: through the configured `credsStore` helper when there is one,
    /// else as `auths[key].auth` in the configuration file (created 0600, other content kept, written atomically).
    /// Returns the configuration file's path.
    @discardableResult
    public static func store(_ credentials: RegistryCredentials, for server: String, environment: [String: String]) throws -> String {
        let key = try loginKey(for: server)
        let directory = environment["DOCKER_CONFIG"] ?? ((environment["HOME"] ?? "") + "/.docker")
        let path = directory + "/config.json"
        // The file is rewritten member for member, in its order, so nothing this client does not know is lost.
        var root: [(String, OrderedJSON)] = []
        if let data = FileManager.default.contents(atPath: path) {
            guard let members = (try? JSONParser.parse(Array(data)))?.objectMembers else {
                throw OCIError(.unauthorized, "reading \(path): not a valid Docker configuration file")
            }
            root = members
        }
        if let store = OrderedJSON.object(root)["credsStore"]?.stringValue, !store.isEmpty {
            let searchPath = environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
            let program = "docker-credential-\(store)"
            let candidates: [String] = searchPath.split(separator: ":").map { dir in "\(dir)/\(program)" }
            guard let executable = candidates.first(where: { candidate in access(candidate, X_OK) == 0 }) else {
                throw OCIError(.unauthorized, "credential helper \(program) named in \(path) is not on PATH")
            }
            struct Payload: Encodable {
                var ServerURL: String
                var Username: String
                var Secret: String
            }
            let payload = try JSONEncoder().encode(Payload(ServerURL: key, Username: credentials.username, Secret: credentials.password))
            let (status, _) = try Subprocess.run(executable, arguments: ["store"], input: Array(payload))
            guard status == 0 else { throw OCIError(.unauthorized, "credential helper \(program) could not store the credentials") }
            return path
        }
        var auths = OrderedJSON.object(root)["auths"]?.objectMembers ?? []
        let entry = OrderedJSON.object([("auth", .string(Base64.encode(Array("\(credentials.username):\(credentials.password)".utf8))))])
        if let existing = auths.firstIndex(where: { $0.0 == key }) {
            auths[existing].1 = entry
        } else {
            auths.append((key, entry))
        }
        if let existing = root.firstIndex(where: { $0.0 == "auths" }) {
            root[existing].1 = .object(auths)
        } else {
            root.insert(("auths", .object(auths)), at: 0)
        }
        if !FileManager.default.fileExists(atPath: directory) {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw OCIError(.unauthorized, "creating \(directory): \(error)")
            }
        }
        // docker's own layout: tab-indented (`json.MarshalIndent(config, "", "\t")`).
        try FileSystem.writeAtomically(OrderedJSON.object(root).indented("\t") + [UInt8(ascii: "\n")], to: path, mode: 0o600)
        return path
    }
}
