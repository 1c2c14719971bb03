import Foundation
import SigstoreCore
import SigstoreJSON

/// Which OIDC issuers Fulcio trusts and how each one's tokens become certificates, in the shape of Fulcio's own
/// configuration file (`pkg/config/config.go`, JSON form): `OIDCIssuers` by exact issuer URL and `MetaIssuers` by
/// pattern (`*` matches one `[-_a-zA-Z0-9]+` run), each with `IssuerURL`, `ClientID`, `Type`, and per type
/// `CIProvider`, `SubjectDomain`, `SPIFFETrustDomain`, `ChallengeClaim`, `SkipEmailVerification`.
///
/// Supported types: `email`, `uri`, `username`, `spiffe`, `kubernetes`, `github-workflow`, `gitlab-pipeline` and `ci-provider`
/// (with Fulcio's `github-workflow` and `gitlab-pipeline` templates). Unknown fields are refused, not ignored: a typo
/// in a trust decision should stop the server, with the line and field named.
public struct IssuerConfiguration: Sendable {
    /// How a token's claims become the certificate's identity.
    public enum IssuerType: String, Sendable, CaseIterable {
        case email, uri, username, spiffe, kubernetes
        case githubWorkflow = "github-workflow"
        case gitlabPipeline = "gitlab-pipeline"
        case ciProvider = "ci-provider"
    }

    /// One trusted issuer.
    public struct Issuer: Sendable, Hashable {
        /// The `iss` of its tokens (for a meta issuer: the pattern).
        public var issuerURL: String
        /// The audience its tokens must carry.
        public var clientID: String
        /// How its claims are read.
        public var type: IssuerType
        /// For `ci-provider`: the template set (`github-workflow` or `gitlab-pipeline`).
        public var ciProvider: String?
        /// For `uri`: the scheme and host every subject must have.
        public var subjectDomain: String?
        /// For `spiffe`: the trust domain of every SPIFFE ID.
        public var spiffeTrustDomain: String?
        /// The claim a proof of possession signs (`email` for email issuers, else `sub`).
        public var challengeClaim: String
        /// For `email`: accept an email without `email_verified`.
        public var skipEmailVerification = false
        /// For `email`: a token without an email whose subject is a URI gets that URI as SAN (the development issuer's
        /// `token --subject`; not settable from a file).
        public var acceptsURISubject = false

        /// An issuer of `type` with Fulcio's defaults (client ID `sigstore`).
        public init(issuerURL: String, type: IssuerType, clientID: String = "sigstore", ciProvider: String? = nil) {
            self.issuerURL = issuerURL
            self.clientID = clientID
            self.type = type
            self.ciProvider = ciProvider
            self.challengeClaim = type == .email ? "email" : "sub"
        }

        /// The CI template set this issuer uses, if any.
        var ciTemplates: CITemplates? {
            switch type {
            case .githubWorkflow: CITemplates.builtIn["github-workflow"]
            case .gitlabPipeline: CITemplates.builtIn["gitlab-pipeline"]
            case .ciProvider: ciProvider.flatMap { CITemplates.builtIn[$0] }
            default: nil
            }
        }
    }

    /// Issuers by exact URL.
    public var issuers: [String: Issuer] = [:]
    /// Issuers by pattern, in file order.
    public var metaIssuers: [(pattern: String, issuer: Issuer)] = []

    /// No issuer.
    public init() {}

    /// The issuer of tokens whose `iss` is `url`: an exact match first, then the patterns.
    public func issuer(for url: String) -> Issuer? {
        if let exact = issuers[url] { return exact }
        for (pattern, issuer) in metaIssuers where Self.matches(pattern: pattern, url) {
            var found = issuer
            found.issuerURL = url
            return found
        }
        return nil
    }

    /// Every issuer, exact ones sorted by URL, then the patterns.
    public var all: [Issuer] { issuers.keys.sorted().map { issuers[$0]! } + metaIssuers.map(\.issuer) }

    /// Adds `issuer` under its URL unless the configuration names that URL already.
    public mutating func addDefault(_ issuer: Issuer) {
        if issuers[issuer.issuerURL] == nil { issuers[issuer.issuerURL] = issuer }
    }

    static func matches(pattern: String, _ url: String) -> Bool {
        let parts = pattern.components(separatedBy: "*").map { NSRegularExpression.escapedPattern(for: $0) }
        guard let regex = try? NSRegularExpression(pattern: "^" + parts.joined(separator: "[-_a-zA-Z0-9]+") + "$") else { return false }
        return regex.firstMatch(in: url, range: NSRange(url.startIndex..., in: url)) != nil
    }

    // MARK: - Reading the file

    /// Reads a configuration file; errors name the file, the line and the field.
    public init(contentsOf path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw InstanceError(.configuration, "cannot read the issuer configuration \(path)")
        }
        try self.init(json: Array(data), path: path)
    }

    /// Parses a configuration (`path` only names it in errors).
    public init(json bytes: [UInt8], path: String) throws {
        func line(ofByte offset: Int) -> Int { 1 + bytes.prefix(offset).filter { $0 == 0x0A }.count }
        /// The line of the first occurrence of `"key"` (after `after`, a byte offset), for errors.
        func line(of key: String, after: Int = 0) -> (line: Int, offset: Int) {
            let needle = Array("\"\(key)\"".utf8)
            var i = after
            while i + needle.count <= bytes.count {
                if bytes[i] == needle[0] && Array(bytes[i..<i + needle.count]) == needle { return (line(ofByte: i), i) }
                i += 1
            }
            return (line(ofByte: after), after)
        }
        func fail(_ at: Int, _ message: String) -> InstanceError {
            InstanceError(.configuration, "\(path):\(line(ofByte: at)): \(message)")
        }
        let json: OrderedJSON
        do {
            json = try JSONParser.parse(bytes)
        } catch {
            let offset = error.message.firstMatch(of: /at byte (\d+)/).flatMap { Int($0.1) } ?? 0
            throw InstanceError(.configuration, "\(path):\(line(ofByte: offset)): not valid JSON: \(error.message)")
        }
        guard let top = json.objectMembers else { throw fail(0, "the issuer configuration must be a JSON object") }
        for (key, value) in top {
            let at = line(of: key).offset
            switch key.lowercased() {
            case "oidcissuers", "metaissuers":
                guard let entries = value.objectMembers else { throw fail(at, "\(key) must be an object of issuers") }
                var cursor = at
                for (url, body) in entries {
                    cursor = line(of: url, after: cursor).offset
                    let issuer = try Self.issuer(url: url, body: body, meta: key.lowercased() == "metaissuers", at: cursor) { offset, message in
                        fail(offset, "\(key)[\"\(url)\"]: \(message)")
                    } locate: { field in line(of: field, after: cursor).offset }
                    if key.lowercased() == "oidcissuers" { issuers[url] = issuer } else { metaIssuers.append((url, issuer)) }
                }
            case "ciissuermetadata":
                throw fail(at, "CIIssuerMetadata is not supported: sigstore-local has Fulcio's github-workflow and gitlab-pipeline templates built in")
            default:
                throw fail(at, "unknown field \(key) (expected OIDCIssuers, MetaIssuers)")
            }
        }
    }

    private static func issuer(
        url: String, body: OrderedJSON, meta: Bool, at: Int, fail: (Int, String) -> InstanceError, locate: (String) -> Int
    ) throws -> Issuer {
        guard let fields = body.objectMembers else { throw fail(at, "must be an object") }
        var values: [String: (String, OrderedJSON)] = [:]
        let known = [
            "issuerurl", "clientid", "type", "ciprovider", "subjectdomain", "spiffetrustdomain", "challengeclaim", "skipemailverification",
            "description", "contact", "environment",
        ]
        for (name, value) in fields {
            guard known.contains(name.lowercased()) else {
                throw fail(locate(name), "unknown field \(name) (expected IssuerURL, ClientID, Type, CIProvider, SubjectDomain, SPIFFETrustDomain, ChallengeClaim, SkipEmailVerification)")
            }
            values[name.lowercased()] = (name, value)
        }
        func string(_ key: String) throws -> String? {
            guard let (name, value) = values[key] else { return nil }
            guard let s = value.stringValue else { throw fail(locate(name), "\(name) must be a string") }
            return s
        }
        guard let typeName = try string("type") else { throw fail(at, "Type is missing") }
        guard let type = IssuerType(rawValue: typeName) else {
            let unsupported = ["buildkite-job", "codefresh-workflow", "chainguard-identity"]
            throw fail(
                locate(values["type"]!.0),
                unsupported.contains(typeName)
                    ? "Type \(typeName) is not supported by sigstore-local"
                    : "unknown Type \(typeName) (expected \(IssuerType.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        let issuerURL = try string("issuerurl") ?? url
        if !meta && issuerURL != url {
            throw fail(locate(values["issuerurl"]!.0), "IssuerURL \(issuerURL) differs from the key it is listed under")
        }
        var issuer = Issuer(issuerURL: issuerURL, type: type, clientID: try string("clientid") ?? "sigstore", ciProvider: try string("ciprovider"))
        issuer.subjectDomain = try string("subjectdomain")
        issuer.spiffeTrustDomain = try string("spiffetrustdomain")
        if let claim = try string("challengeclaim") { issuer.challengeClaim = claim }
        if let (name, value) = values["skipemailverification"] {
            guard let flag = value.boolValue else { throw fail(locate(name), "\(name) must be true or false") }
            issuer.skipEmailVerification = flag
        }
        guard let issuerComponents = URLComponents(string: issuerURL.replacingOccurrences(of: "*", with: "x")), issuerComponents.scheme != nil else {
            throw fail(at, "the issuer URL must contain a scheme")
        }
        switch type {
        case .ciProvider:
            guard let provider = issuer.ciProvider else { throw fail(at, "a ci-provider issuer needs CIProvider") }
            guard CITemplates.builtIn[provider] != nil else {
                throw fail(locate(values["ciprovider"]!.0), "unknown CIProvider \(provider) (expected github-workflow or gitlab-pipeline)")
            }
        case .uri:
            guard let domain = issuer.subjectDomain else { throw fail(at, "uri issuer must have SubjectDomain set") }
            guard let subject = URLComponents(string: domain), let scheme = subject.scheme, let host = subject.host, !host.isEmpty else {
                throw fail(locate(values["subjectdomain"]!.0), "SubjectDomain for uri must contain scheme")
            }
            guard scheme == issuerComponents.scheme else {
                throw fail(locate(values["subjectdomain"]!.0), "subject (\(domain)) and issuer (\(issuerURL)) URI schemes do not match")
            }
            if let problem = Self.domainProblem(host, issuerComponents.host ?? "") { throw fail(locate(values["subjectdomain"]!.0), problem) }
        case .username:
            guard let domain = issuer.subjectDomain else { throw fail(at, "username issuer must have SubjectDomain set") }
            guard !domain.contains("://") else {
                throw fail(locate(values["subjectdomain"]!.0), "SubjectDomain for username should not contain scheme")
            }
            if let problem = Self.domainProblem(domain, issuerComponents.host ?? "") { throw fail(locate(values["subjectdomain"]!.0), problem) }
        case .spiffe:
            guard let domain = issuer.spiffeTrustDomain, !domain.isEmpty else { throw fail(at, "spiffe issuer must have SPIFFETrustDomain set") }
            guard domain.allSatisfy({ $0.isLowercase || $0.isNumber || "-._".contains($0) }) else {
                throw fail(locate(values["spiffetrustdomain"]!.0), "spiffe trust domain is invalid")
            }
        case .email, .kubernetes, .githubWorkflow, .gitlabPipeline:
            break
        }
        return issuer
    }

    /// Fulcio's `validateAllowedDomain`: the same host, or the same last two labels.
    static func domainProblem(_ subject: String, _ issuer: String) -> String? {
        if subject == issuer { return nil }
        let a = subject.split(separator: "."), b = issuer.split(separator: ".")
        guard a.count >= 2, b.count >= 2 else { return "URI hostname too short: \(a.count < 2 ? subject : issuer)" }
        guard a.suffix(2) == b.suffix(2) else { return "hostname top-level and second-level domains do not match: \(subject), \(issuer)" }
        return nil
    }
}

/// Fulcio's CI-provider templates (`config/identity/config.yaml`, `ci-issuer-metadata`): default values, the
/// extension each claim (or template over claims) fills, and the SAN template.
struct CITemplates: Sendable {
    var defaults: [String: String]
    /// By the last arc of the extension's OID.
    var extensions: [(arc: Int, template: String)]
    var subjectAlternativeName: String
    /// Claims a token must carry (Fulcio's dedicated `github-workflow` and `gitlab-pipeline` principals).
    var required: [String]

    static let builtIn: [String: CITemplates] = [
        "github-workflow": CITemplates(
            defaults: ["url": "https://github.com", "environment": ""],
            extensions: [
                (2, "event_name"), (3, "sha"), (4, "workflow"), (5, "repository"), (6, "ref"),
                (9, "{{ .url }}/{{ .job_workflow_ref }}"), (10, "job_workflow_sha"), (11, "runner_environment"),
                (12, "{{ .url }}/{{ .repository }}"), (13, "sha"), (14, "ref"), (15, "repository_id"),
                (16, "{{ .url }}/{{ .repository_owner }}"), (17, "repository_owner_id"), (18, "{{ .url }}/{{ .workflow_ref }}"),
                (19, "workflow_sha"), (20, "event_name"), (21, "{{ .url }}/{{ .repository }}/actions/runs/{{ .run_id }}/attempts/{{ .run_attempt }}"),
                (22, "repository_visibility"), (23, "environment"),
            ],
            subjectAlternativeName: "{{ .url }}/{{ .job_workflow_ref }}",
            required: [
                "job_workflow_ref", "sha", "event_name", "repository", "workflow", "ref", "job_workflow_sha", "runner_environment",
                "repository_id", "repository_owner", "repository_owner_id", "repository_visibility", "workflow_ref", "workflow_sha", "run_id",
                "run_attempt",
            ]),
        "gitlab-pipeline": CITemplates(
            defaults: ["url": "https://gitlab.com", "environment": ""],
            extensions: [
                (9, "https://{{ .ci_config_ref_uri }}"), (10, "ci_config_sha"), (11, "runner_environment"),
                (12, "{{ .url }}/{{ .project_path }}"), (13, "sha"),
                (14, #"refs/{{if eq .ref_type "branch"}}heads/{{ else }}tags/{{end}}{{ .ref }}"#), (15, "project_id"),
                (16, "{{ .url }}/{{ .namespace_path }}"), (17, "namespace_id"), (18, "https://{{ .ci_config_ref_uri }}"),
                (19, "ci_config_sha"), (20, "pipeline_source"), (21, "{{ .url }}/{{ .project_path }}/-/jobs/{{ .job_id }}"),
                (22, "project_visibility"), (23, "environment"),
            ],
            subjectAlternativeName: "https://{{ .ci_config_ref_uri }}",
            required: [
                "project_path", "pipeline_source", "pipeline_id", "ci_config_ref_uri", "job_id", "ref", "ref_type", "namespace_path",
                "namespace_id", "project_id", "sha", "runner_environment",
            ]),
    ]

    /// The SAN and extensions for `claims` (string values; claims take priority over the defaults).
    func apply(to claims: [String: String]) throws(TemplateError) -> (san: String, extensions: [Int: String]) {
        var values = defaults
        for (k, v) in claims { values[k] = v }
        var extensions: [Int: String] = [:]
        for (arc, template) in self.extensions {
            extensions[arc] = try Self.render(template, values)
        }
        return (try Self.render(subjectAlternativeName, values), extensions)
    }

    struct TemplateError: Error { var message: String }

    /// Fulcio's `applyTemplateOrReplace`: a string with `{{` is a Go template (`{{ .claim }}` and
    /// `{{if eq .claim "value"}}…{{ else }}…{{end}}`, the forms Fulcio's templates use), any other string names a claim.
    static func render(_ template: String, _ values: [String: String]) throws(TemplateError) -> String {
        guard template.contains("{{") else {
            guard let value = values[template] else {
                throw TemplateError(message: "value <\(template)> not present in either claims or defaults")
            }
            return value
        }
        var out = ""
        var rest = Substring(template)
        // A stack of (condition, in else branch) for if/else/end.
        var branches: [(condition: Bool, inElse: Bool)] = []
        var emitting: Bool { branches.allSatisfy { $0.inElse ? !$0.condition : $0.condition } }
        while let open = rest.range(of: "{{") {
            if emitting { out += rest[..<open.lowerBound] }
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                throw TemplateError(message: "template \(template): unclosed action")
            }
            let action = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            rest = rest[close.upperBound...]
            func claim(_ reference: Substring) throws(TemplateError) -> String {
                guard reference.hasPrefix(".") else { throw TemplateError(message: "template \(template): unsupported action {{\(action)}}") }
                let name = String(reference.dropFirst())
                guard let value = values[name] else { throw TemplateError(message: "template: map has no entry for key \"\(name)\"") }
                return value
            }
            if action.hasPrefix(".") {
                let value = try claim(Substring(action))
                if emitting { out += value }
            } else if action.hasPrefix("if eq ") {
                let parts = action.dropFirst("if eq ".count).split(separator: " ", maxSplits: 1)
                guard parts.count == 2, parts[1].hasPrefix("\""), parts[1].hasSuffix("\""), parts[1].count >= 2 else {
                    throw TemplateError(message: "template \(template): unsupported action {{\(action)}}")
                }
                branches.append((try claim(parts[0]) == String(parts[1].dropFirst().dropLast()), false))
            } else if action == "else" {
                guard !branches.isEmpty, !branches[branches.count - 1].inElse else { throw TemplateError(message: "template \(template): else without if") }
                branches[branches.count - 1].inElse = true
            } else if action == "end" {
                guard branches.popLast() != nil else { throw TemplateError(message: "template \(template): end without if") }
            } else {
                throw TemplateError(message: "template \(template): unsupported action {{\(action)}}")
            }
        }
        guard branches.isEmpty else { throw TemplateError(message: "template \(template): if without end") }
        if emitting { out += rest }
        return out
    }
}
