import Foundation
import SigstoreCore

/// AWS credentials, as the AWS SDKs find them: `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY` (and
/// `AWS_SESSION_TOKEN`), else the profile (`AWS_PROFILE`, default `default`) of the shared credentials file
/// (`AWS_SHARED_CREDENTIALS_FILE`, default `~/.aws/credentials`). The secret never appears in `description`.
public struct AWSCredentials: Sendable, CustomStringConvertible {
    /// The access key id (not secret; it names the key in the `Authorization` header).
    public var accessKeyID: String
    /// The secret access key.
    public var secretAccessKey: String
    /// The session token of temporary credentials.
    public var sessionToken: String?

    /// Creates credentials.
    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }

    public var description: String { "AWSCredentials(\(accessKeyID))" }

    /// The credentials the environment names.
    public static func resolve(environment: [String: String]) throws -> AWSCredentials {
        func value(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        if let id = value("AWS_ACCESS_KEY_ID"), let secret = value("AWS_SECRET_ACCESS_KEY") {
            return AWSCredentials(accessKeyID: id, secretAccessKey: secret, sessionToken: value("AWS_SESSION_TOKEN"))
        }
        let profile = value("AWS_PROFILE") ?? "default"
        if let path = AWSSharedFiles.path(environment, variable: "AWS_SHARED_CREDENTIALS_FILE", file: "credentials"),
            let section = try AWSSharedFiles.section(path, named: profile, configStyle: false),
            let id = section["aws_access_key_id"], let secret = section["aws_secret_access_key"]
        {
            return AWSCredentials(accessKeyID: id, secretAccessKey: secret, sessionToken: section["aws_session_token"])
        }
        throw KMSError(
            .authentication,
            "AWS KMS: no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or profile \"\(profile)\" in ~/.aws/credentials")
    }

    /// The region the environment names: `AWS_REGION`, `AWS_DEFAULT_REGION`, then the profile's `region` in the
    /// shared config file (`AWS_CONFIG_FILE`, default `~/.aws/config`).
    public static func region(environment: [String: String]) throws -> String? {
        func value(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        if let region = value("AWS_REGION") ?? value("AWS_DEFAULT_REGION") { return region }
        let profile = value("AWS_PROFILE") ?? "default"
        guard let path = AWSSharedFiles.path(environment, variable: "AWS_CONFIG_FILE", file: "config") else { return nil }
        return try AWSSharedFiles.section(path, named: profile, configStyle: true)?["region"]
    }
}

/// The AWS shared `credentials` and `config` files (INI: `[name]` sections of `key = value` lines).
enum AWSSharedFiles {
    static func path(_ environment: [String: String], variable: String, file: String) -> String? {
        if let explicit = environment[variable], !explicit.isEmpty { return explicit }
        guard let home = environment["HOME"], !home.isEmpty else { return nil }
        return "\(home)/.aws/\(file)"
    }

    /// The keys of section `name` (in the config file, profiles other than `default` are `[profile name]`); nil
    /// when the file or the section does not exist.
    static func section(_ path: String, named name: String, configStyle: Bool) throws -> [String: String]? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let text = try FileSystem.readText(path, limit: 1 << 20)
        let wanted = configStyle && name != "default" ? ["profile \(name)"] : [name]
        var current: String?
        var found: [String: String]?
        for raw in text.split(whereSeparator: \.isNewline) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") && line.hasSuffix("]") {
                current = line.dropFirst().dropLast().trimmingCharacters(in: .whitespaces)
                if let current, wanted.contains(current), found == nil { found = [:] }
                continue
            }
            guard let current, wanted.contains(current), let eq = line.firstIndex(of: "=") else { continue }
            let key = line[..<eq].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            found?[key] = value
        }
        return found
    }
}
