import SigstoreCore

/// A container image reference in the Docker grammar, normalized as go-containerregistry's `name.ParseReference`
/// (what Go cosign uses): `registry/repository[:tag|@digest]`, Docker Hub as the default registry (`docker.io` is
/// rewritten to `index.docker.io`, single-component names get `library/`), `latest` as the default tag.
public struct ImageReference: Hashable, Sendable, CustomStringConvertible {
    /// What the reference names within its repository.
    public enum Identifier: Hashable, Sendable {
        /// A tag.
        case tag(String)
        /// A digest, `sha256:<64 hex>`.
        case digest(String)
    }

    /// The Docker Hub registry name.
    public static let dockerHub = "index.docker.io"

    /// The registry host, with port when given (`index.docker.io` for Docker Hub).
    public let registry: String
    /// The repository path (`library/alpine`).
    public let repository: String
    /// The tag or digest.
    public let identifier: Identifier
    /// The text the reference was parsed from.
    public let original: String

    /// Parses a reference.
    ///
    /// - Throws: ``OCIError`` naming what is wrong with the reference.
    public init(parsing text: String) throws {
        if text.hasPrefix("http://") || text.hasPrefix("https://") {
            throw OCIError(
                .invalidReference, "image reference must not contain a URL scheme (http:// or https://): \(text)", remedy: .plainHTTPRegistry)
        }
        original = text
        // As go-containerregistry: try a tag reference, then a digest reference (which drops any tag).
        do {
            (registry, repository, identifier) = try Self.parseTag(text)
            return
        } catch let tagError as OCIError {
            guard text.contains("@") else { throw Self.wrap(tagError, text) }
            do {
                (registry, repository, identifier) = try Self.parseDigest(text)
            } catch let e as OCIError {
                throw Self.wrap(e, text)
            }
        }
    }

    /// A reference to `digest` in the same repository.
    public func withDigest(_ digest: String) -> ImageReference {
        ImageReference(registry: registry, repository: repository, identifier: .digest(digest))
    }

    /// A reference to `tag` in the same repository.
    public func withTag(_ tag: String) -> ImageReference {
        ImageReference(registry: registry, repository: repository, identifier: .tag(tag))
    }

    /// A reference in another repository (`registry/repository`, as `COSIGN_REPOSITORY` gives it), same identifier.
    public func inRepository(_ repositoryReference: String) throws -> ImageReference {
        let parsed = try ImageReference.repository(repositoryReference)
        return ImageReference(registry: parsed.registry, repository: parsed.repository, identifier: identifier)
    }

    /// Parses a bare repository (`registry/repo`, no tag or digest).
    public static func repository(_ text: String) throws -> (registry: String, repository: String) {
        do {
            return try splitRepository(text)
        } catch let e as OCIError {
            throw wrap(e, text)
        }
    }

    /// Validates and normalizes a bare registry name (`docker.io` becomes `index.docker.io`).
    public static func registryName(_ text: String) throws -> String {
        do {
            try checkRegistry(text)
        } catch let e as OCIError {
            throw OCIError(.invalidReference, "invalid registry \(text): \(e.message)")
        }
        return text.isEmpty || text == "docker.io" ? dockerHub : text
    }

    private init(registry: String, repository: String, identifier: Identifier) {
        self.registry = registry
        self.repository = repository
        self.identifier = identifier
        switch identifier {
        case .tag(let t): original = "\(registry)/\(repository):\(t)"
        case .digest(let d): original = "\(registry)/\(repository)@\(d)"
        }
    }

    /// The fully qualified name: `registry/repository:tag` or `registry/repository@digest`.
    public var name: String {
        switch identifier {
        case .tag(let t): "\(registry)/\(repository):\(t)"
        case .digest(let d): "\(registry)/\(repository)@\(d)"
        }
    }

    /// `registry/repository`.
    public var repositoryName: String { "\(registry)/\(repository)" }

    /// The tag or digest text.
    public var identifierString: String {
        switch identifier {
        case .tag(let t): t
        case .digest(let d): d
        }
    }

    /// The digest, when the reference is by digest.
    public var digest: String? {
        if case .digest(let d) = identifier { return d }
        return nil
    }

    public var description: String { name }

    /// `http` for localhost, loopback and RFC 1918 registries (as go-containerregistry), else `https`.
    public var defaultScheme: String { Self.defaultScheme(registry) }

    static func defaultScheme(_ registry: String) -> String {
        let host: Substring
        if registry.hasPrefix("[") {
            host = registry.split(separator: "]").first.map { $0.dropFirst() } ?? ""
        } else {
            host = registry.split(separator: ":", maxSplits: 1).first ?? ""
        }
        if host == "localhost" || host.hasSuffix(".localhost") || host == "127.0.0.1" || host == "::1" { return "http" }
        let octets = host.split(separator: ".").compactMap { UInt8($0) }
        if octets.count == 4 && host.split(separator: ".").count == 4 {
            if octets[0] == 10 || (octets[0] == 172 && (16...31).contains(octets[1])) || (octets[0] == 192 && octets[1] == 168) {
                return "http"
            }
        }
        return "https"
    }

    // MARK: - Grammar

    static let repositoryCharacters = Set("abcdefghijklmnopqrstuvwxyz0123456789_-./")
    static let tagCharacters = Set("abcdefghijklmnopqrstuvwxyz0123456789_-.ABCDEFGHIJKLMNOPQRSTUVWXYZ")

    private static func wrap(_ error: OCIError, _ text: String) -> OCIError {
        OCIError(.invalidReference, "could not parse reference: \(text): \(error.message)")
    }

    private static func parseTag(_ text: String) throws -> (String, String, Identifier) {
        var base = Substring(text)
        var tag = ""
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        if parts.count > 1, let last = parts.last, !last.contains("/") {
            base = text.dropLast(last.count + 1)
            tag = String(last)
        }
        if !tag.isEmpty { try check("tag", tag, tagCharacters, 1...127) }
        let (registry, repository) = try splitRepository(String(base))
        return (registry, repository, .tag(tag.isEmpty ? "latest" : tag))
    }

    private static func parseDigest(_ text: String) throws -> (String, String, Identifier) {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2 else {
            throw OCIError(
                .invalidReference, "a digest must contain exactly one '@' separator (e.g. registry/repository@digest)")
        }
        let digest = String(parts[1])
        guard digest.hasPrefix("sha256:"), digest.utf8.count == 71,
            digest.utf8.dropFirst(7).allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) })
        else {
            throw OCIError(.invalidReference, "digest must be sha256: followed by 64 lowercase hex characters, got \"\(digest)\"")
        }
        var base = String(parts[0])
        if let (registry, repository, _) = try? parseTag(base) { base = "\(registry)/\(repository)" }
        let (registry, repository) = try splitRepository(base)
        return (registry, repository, .digest(digest))
    }

    static func splitRepository(_ name: String) throws -> (String, String) {
        guard !name.isEmpty else { throw OCIError(.invalidReference, "a repository name must be specified") }
        var registry = ""
        var repository = name
        if let slash = name.firstIndex(of: "/") {
            let first = name[..<slash]
            if first.contains(".") || first.contains(":") || first == "localhost" {
                registry = String(first)
                repository = String(name[name.index(after: slash)...])
            }
        }
        try check("repository", repository, repositoryCharacters, 2...255)
        try checkRegistry(registry)
        if registry.isEmpty || registry == "docker.io" { registry = dockerHub }
        if registry == dockerHub && !repository.contains("/") {
            repository = "library/" + repository
            try check("repository", repository, repositoryCharacters, 2...255)
        }
        return (registry, repository)
    }

    private static func checkRegistry(_ registry: String) throws {
        if registry.isEmpty { return }
        var host = Substring(registry)
        var port: Substring?
        if registry.hasPrefix("[") {
            guard let close = registry.firstIndex(of: "]") else { throw badRegistry(registry) }
            host = registry[registry.index(after: registry.startIndex)..<close]
            let rest = registry[registry.index(after: close)...]
            if !rest.isEmpty {
                guard rest.hasPrefix(":") else { throw badRegistry(registry) }
                port = rest.dropFirst()
            }
            guard !host.isEmpty, host.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else { throw badRegistry(registry) }
        } else {
            let parts = registry.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count <= 2 else { throw badRegistry(registry) }
            host = parts[0]
            if parts.count == 2 { port = parts[1] }
            guard !host.isEmpty, host.allSatisfy({ $0.isLetter && $0.isASCII || $0.isNumber && $0.isASCII || $0 == "." || $0 == "-" || $0 == "_" })
            else { throw badRegistry(registry) }
        }
        if let port {
            guard port.allSatisfy({ $0.isASCII && $0.isNumber }), port.count <= 5 else { throw badRegistry(registry) }
        }
    }

    private static func badRegistry(_ registry: String) -> OCIError {
        OCIError(.invalidReference, "registries must be valid RFC 3986 URI authorities: \(registry)")
    }

    private static func check(_ what: String, _ value: String, _ allowed: Set<Character>, _ length: ClosedRange<Int>) throws {
        guard length.contains(value.count) else {
            throw OCIError(
                .invalidReference, "\(what) must be between \(length.lowerBound) and \(length.upperBound) characters in length: \(value)")
        }
        guard value.allSatisfy({ allowed.contains($0) }) else {
            let chars = String(allowed.sorted())
            throw OCIError(.invalidReference, "\(what) can only contain the characters `\(chars)`: \(value)")
        }
    }
}
