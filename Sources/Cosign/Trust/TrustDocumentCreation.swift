import Crypto
public import Foundation
import SigstoreCore
import SigstoreCrypto
import SigstoreJSON
public import SigstoreModels
import SigstoreVerify
import X509
import SwiftASN1

/// cosign's service specifications: a comma-separated list of `key=value` pairs (`url=…,public-key=…`). Keys and
/// values are trimmed; the last of a repeated key wins; a value cannot contain a comma.
public struct ServiceSpecification: Sendable {
    /// The pairs.
    public var values: [String: String]
    /// The kind of service, for error messages (`fulcio`, `rekor`, …).
    public var kind: String

    /// Parses a specification.
    public init(_ text: String, kind: String) throws {
        self.kind = kind
        values = [:]
        for pair in text.split(separator: ",", omittingEmptySubsequences: false) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2 else {
                throw CosignError(.invalidInput, "parsing \(kind) spec: invalid key-value pair: \(pair)")
            }
            values[parts[0].trimmingCharacters(in: .whitespaces)] = parts[1].trimmingCharacters(in: .whitespaces)
        }
    }

    /// A key that must be present and non-empty.
    public func required(_ key: String, in what: String? = nil) throws -> String {
        guard let value = values[key], !value.isEmpty else {
            throw CosignError(.invalidInput, "parsing \(kind) spec: missing or empty required key '\(key)' in \(what ?? kind) spec")
        }
        return value
    }

    /// An optional RFC 3339 time.
    public func time(_ key: String) throws -> Date? {
        guard let text = values[key], !text.isEmpty else { return nil }
        guard let date = TimeRange.parseRFC3339(text) else {
            throw CosignError(
                .invalidInput, "parsing \(kind) spec: parsing \(key): \"\(text)\" is not an RFC 3339 time (for example 2024-01-01T00:00:00Z)")
        }
        return date
    }
}

/// `cosign trusted-root create`: a trusted root from service specifications (`--fulcio`, `--rekor`, `--ctfe`,
/// `--tsa`), optionally on top of the TUF root's services (`--with-default-services`), written as Go cosign writes it
/// (protobuf JSON, compact, empty lists left out).
public struct TrustedRootCreation: Sendable {
    /// `--fulcio` specifications: `url`, `certificate-chain`; optional `start-time`, `end-time`.
    public var fulcio: [String] = []
    /// `--rekor` specifications: `url`, `public-key`, `start-time`; optional `end-time`, `origin`.
    public var rekor: [String] = []
    /// `--ctfe` specifications, as `--rekor`.
    public var ctfe: [String] = []
    /// `--tsa` specifications, as `--fulcio` (the chain starts with the TSA's own certificate).
    public var tsa: [String] = []
    /// `--with-default-services`: start from the TUF trusted root.
    public var withDefaultServices = false
    /// `--no-default-fulcio`, `--no-default-rekor`, `--no-default-ctfe`, `--no-default-tsa`.
    public var noDefaultFulcio = false, noDefaultRekor = false, noDefaultCTFE = false, noDefaultTSA = false

    /// No services.
    public init() {}

    /// Builds the trusted root.
    public func make(console: Console) async throws -> TrustedRoot {
        var root = TrustedRoot()
        if withDefaultServices {
            let defaults: TrustedRoot
            do {
                defaults = try await TrustSources.trustedRoot(console: console)
            } catch let error as any ReportableError {
                throw CosignError(.invalidInput, "getting default trusted root: \(error.message)", underlying: error)
            }
            if !noDefaultFulcio { root.certificateAuthorities = defaults.certificateAuthorities }
            if !noDefaultRekor { root.tlogs = defaults.tlogs }
            if !noDefaultCTFE { root.ctlogs = defaults.ctlogs }
            if !noDefaultTSA { root.timestampAuthorities = defaults.timestampAuthorities }
        }
        root.certificateAuthorities += try fulcio.map { try Self.authority(ServiceSpecification($0, kind: "fulcio"), tsa: false) }
        root.timestampAuthorities += try tsa.map { try Self.authority(ServiceSpecification($0, kind: "tsa"), tsa: true) }
        root.tlogs = Self.merge(root.tlogs, try rekor.map { try Self.log(ServiceSpecification($0, kind: "rekor")) })
        root.ctlogs = Self.merge(root.ctlogs, try ctfe.map { try Self.log(ServiceSpecification($0, kind: "ctfe")) })
        func start(_ r: TimeRange?) -> Date { r?.start ?? .distantPast }
        root.certificateAuthorities.sort { start($0.validFor) < start($1.validFor) }
        root.timestampAuthorities.sort { start($0.validFor) < start($1.validFor) }
        root.tlogs.sort { start($0.publicKey.validFor) < start($1.publicKey.validFor) }
        root.ctlogs.sort { start($0.publicKey.validFor) < start($1.publicKey.validFor) }
        // What we write must be what our verifier (and every other) reads.
        do {
            _ = try TrustMaterial(trustedRoot: root)
        } catch let error as any ReportableError {
            throw CosignError(.invalidInput, "the trusted root would not be usable: \(error.message)", underlying: error)
        }
        return root
    }

    /// The JSON Go cosign writes: protobuf JSON, compact, members in declaration order, empty lists left out.
    public static func jsonData(_ root: TrustedRoot) -> [UInt8] {
        guard case .object(let members) = root.orderedJSON else { return root.jsonData() }
        let kept = members.filter { member in
            if case .array(let items) = member.1 { return !items.isEmpty }
            return true
        }
        return OrderedJSON.object(kept).serialized()
    }

    /// A log with the same ID replaces the earlier one (Go keeps logs in a map by ID).
    static func merge(_ existing: [TransparencyLogInstance], _ added: [TransparencyLogInstance]) -> [TransparencyLogInstance] {
        var out = existing
        for log in added {
            out.removeAll { $0.logID == log.logID }
            out.append(log)
        }
        return out
    }

    static func authority(_ spec: ServiceSpecification, tsa: Bool) throws -> CertificateAuthority {
        let url = try spec.required("url")
        let path = try spec.required("certificate-chain")
        let chain = try CertificateFiles.load(path, what: "\(spec.kind) certificate-chain")
        try CertificateFiles.checkOrder(chain, what: "\(spec.kind) certificate-chain", verifySignatures: true)
        let certs = try chain.map { try Certificate(derEncoded: $0) }
        if tsa, case .isCertificateAuthority = try? certs[0].extensions.basicConstraints {
            throw CosignError(.invalidInput, "parsing tsa spec: first certificate in chain must be a leaf certificate")
        }
        guard let rootCert = certs.last else { throw CosignError(.invalidInput, "no certificates in file \(path)") }
        let start = try spec.time("start-time") ?? (tsa ? certs[0].notValidBefore : rootCert.notValidBefore)
        let end = try spec.time("end-time")
        let organization = rootCert.subject.flatMap { $0 }.first { $0.type == ASN1ObjectIdentifier.RDNAttributeType.organizationName }
        let commonName = rootCert.subject.flatMap { $0 }.first { $0.type == ASN1ObjectIdentifier.RDNAttributeType.commonName }
        return CertificateAuthority(
            organization: organization.map { String(describing: $0.value) }, commonName: commonName.map { String(describing: $0.value) },
            uri: url, certificateChain: chain, validFor: TimeRange(start: start, end: end))
    }

    static func log(_ spec: ServiceSpecification) throws -> TransparencyLogInstance {
        let url = try spec.required("url", in: "tlog")
        let path = try spec.required("public-key", in: "tlog")
        _ = try spec.required("start-time", in: "tlog")
        let key: PublicKey
        do {
            key = try PublicKey(pemEncoded: try FileSystem.readText(path, limit: 1 << 20))
        } catch let error as any ReportableError {
            throw CosignError(.invalidInput, "parsing \(spec.kind) spec: parsing public-key: \(path): \(error.message)", underlying: error)
        }
        let details: String =
            switch key.kind {
            case .ecdsaP256: "PKIX_ECDSA_P256_SHA_256"
            case .ecdsaP384: "PKIX_ECDSA_P384_SHA_384"
            case .ecdsaP521: "PKIX_ECDSA_P521_SHA_512"
            case .rsa(let bits): "PKIX_RSA_PKCS1V15_\(bits)_SHA256"
            case .ed25519: "PKIX_ED25519"
            }
        if case .rsa(let bits) = key.kind, ![2048, 3072, 4096].contains(bits) {
            throw CosignError(.invalidInput, "parsing \(spec.kind) spec: unsupported public modulus for RSA key: \(bits / 8)")
        }
        let der = key.derRepresentation
        var logID = Array(SHA256.hash(data: der))
        if let origin = spec.values["origin"], !origin.isEmpty { logID = SignedNote.keyID(name: origin, key: key) }
        return TransparencyLogInstance(
            baseURL: url,
            publicKey: PublicKeyMaterial(rawBytes: der, keyDetails: details, validFor: TimeRange(start: try spec.time("start-time"), end: try spec.time("end-time"))),
            logID: logID)
    }
}

/// `cosign signing-config create`: a v0.2 signing config from service specifications (`--fulcio`, `--rekor`,
/// `--oidc-provider`, `--tsa`: `url`, `api-version`, `start-time`, `operator`; optional `end-time`), the selection
/// modes (`--rekor-config`, `--tsa-config`: ANY, ALL or EXACT:n), on top of a base config or the TUF defaults.
public struct SigningConfigCreation: Sendable {
    /// Specifications per service kind.
    public var fulcio: [String] = [], rekor: [String] = [], oidcProvider: [String] = [], tsa: [String] = []
    /// `--rekor-config`, `--tsa-config`.
    public var rekorConfig: String?, tsaConfig: String?
    /// `--base-config`: a signing config whose services a kind's flags replace.
    public var baseConfig: String?
    /// `--with-default-services`: start from TUF's signing config (the flags add to it).
    public var withDefaultServices = false
    /// `--with-default-rekor-v2`: as `--with-default-services`, from TUF's `signing_config_rekor_v2.v0.2.json`.
    public var withDefaultRekorV2 = false
    /// `--no-default-fulcio`, `--no-default-rekor`, `--no-default-oidc`, `--no-default-tsa`.
    public var noDefaultFulcio = false, noDefaultRekor = false, noDefaultOIDC = false, noDefaultTSA = false

    /// A service selection as the document states it (nil: unset, written as `{}`).
    public typealias Selection = SigningConfig.Selector?

    /// No services.
    public init() {}

    /// The config's services and selections, ready for ``jsonData(_:)``.
    public struct Result: Sendable {
        /// Services per kind.
        public var ca: [SigningConfig.Service] = [], oidc: [SigningConfig.Service] = [], rekor: [SigningConfig.Service] = []
        /// Timestamp authorities.
        public var tsa: [SigningConfig.Service] = []
        /// Selections.
        public var rekorSelection: Selection = nil, tsaSelection: Selection = nil
    }

    /// Builds the config.
    public func make(console: Console) async throws -> Result {
        if baseConfig != nil && (withDefaultServices || withDefaultRekorV2) {
            throw CosignError(.invalidInput, "--base-config cannot be used together with --with-default-services or --with-default-rekor-v2")
        }
        if !rekor.isEmpty && rekorConfig == nil {
            throw CosignError(.invalidInput, "--rekor-config must be provided when --rekor is specified")
        }
        if !tsa.isEmpty && tsaConfig == nil { throw CosignError(.invalidInput, "--tsa-config must be provided when --tsa is specified") }
        var result = Result()
        var start: SigningConfig?
        if let baseConfig {
            do {
                start = try await TrustSources.signingConfig(path: baseConfig, console: console)
            } catch let error as any ReportableError {
                throw CosignError(.invalidInput, "loading base config from \(baseConfig): \(error.message)", underlying: error)
            }
        } else if withDefaultServices || withDefaultRekorV2 {
            do {
                let target = withDefaultRekorV2 ? "signing_config_rekor_v2.v0.2.json" : "signing_config.v0.2.json"
                start = try await TrustSources.signingConfig(path: nil, target: target, console: console)
            } catch let error as any ReportableError {
                throw CosignError(.invalidInput, "getting default signing config: \(error.message)", underlying: error)
            }
        }
        if let start {
            // From a base config a kind's flags replace its services; the TUF defaults are added to.
            let replace = baseConfig != nil
            if !noDefaultFulcio && !(replace && !fulcio.isEmpty) { result.ca = start.caURLs }
            if !noDefaultOIDC && !(replace && !oidcProvider.isEmpty) { result.oidc = start.oidcURLs }
            if !noDefaultRekor && !(replace && !rekor.isEmpty) {
                result.rekor = start.rekorTlogURLs
                result.rekorSelection = start.rekorTlogSelector
            }
            if !noDefaultTSA && !(replace && !tsa.isEmpty) {
                result.tsa = start.tsaURLs
                result.tsaSelection = start.tsaSelector
            }
        }
        if let rekorConfig { result.rekorSelection = try Self.selection(rekorConfig, flag: "rekor-config") }
        if let tsaConfig { result.tsaSelection = try Self.selection(tsaConfig, flag: "tsa-config") }
        result.ca += try fulcio.map { try Self.service(ServiceSpecification($0, kind: "fulcio")) }
        result.rekor += try rekor.map { try Self.service(ServiceSpecification($0, kind: "rekor")) }
        result.oidc += try oidcProvider.map { try Self.service(ServiceSpecification($0, kind: "oidc-provider")) }
        result.tsa += try tsa.map { try Self.service(ServiceSpecification($0, kind: "tsa")) }
        // What we write must be what our signer (and every other) reads.
        do {
            _ = try SigningConfig(jsonData: Self.jsonData(result))
        } catch let error as any ReportableError {
            throw CosignError(.invalidInput, "the signing config would not be usable: \(error.message)", underlying: error)
        }
        return result
    }

    /// `ANY`, `ALL` or `EXACT:<count>`, in any case.
    static func selection(_ text: String, flag: String) throws -> SigningConfig.Selector {
        let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        let mode = parts[0].uppercased()
        switch mode {
        case "ANY", "ALL":
            if parts.count == 2 { throw CosignError(.invalidInput, "parsing \(flag): mode \(mode) does not accept a count") }
            return mode == "ANY" ? .any : .all
        case "EXACT":
            guard parts.count == 2 else { throw CosignError(.invalidInput, "parsing \(flag): mode EXACT requires a count, e.g. EXACT:2") }
            guard let count = UInt32(parts[1]), count > 0 else {
                throw CosignError(.invalidInput, "parsing \(flag): invalid count for EXACT mode: \"\(parts[1])\" (a positive integer)")
            }
            return .exact(Int(count))
        default:
            throw CosignError(.invalidInput, "parsing \(flag): invalid service config mode: \(mode) (one of ANY, ALL, EXACT:<count>)")
        }
    }

    static func service(_ spec: ServiceSpecification) throws -> SigningConfig.Service {
        func required(_ key: String) throws -> String {
            guard let value = spec.values[key], !value.isEmpty else {
                throw CosignError(.invalidInput, "parsing \(spec.kind) spec: missing required key '\(key)' in service spec")
            }
            return value
        }
        let url = try required("url")
        let versionText = try required("api-version")
        guard let version = UInt32(versionText) else {
            throw CosignError(.invalidInput, "parsing \(spec.kind) spec: parsing api-version: \"\(versionText)\" is not a non-negative integer")
        }
        _ = try required("start-time")
        let operatorName = try required("operator")
        return SigningConfig.Service(
            url: url, majorAPIVersion: Int(version), validFrom: try spec.time("start-time"), validUntil: try spec.time("end-time"),
            operatorName: operatorName)
    }

    /// The JSON Go cosign writes: protobuf JSON, compact; empty service lists left out, both selections always
    /// present (`{}` when unset).
    public static func jsonData(_ r: Result) -> [UInt8] {
        func list(_ services: [SigningConfig.Service]) -> OrderedJSON? {
            guard !services.isEmpty else { return nil }
            return .array(
                services.map { s in
                    .members([
                        ("url", .string(s.url)), ("majorApiVersion", s.majorAPIVersion == 0 ? nil : .number(Int64(s.majorAPIVersion))),
                        ("validFor", .members([
                            ("start", s.validFrom.map { .string(TimeRange.formatRFC3339($0)) }),
                            ("end", s.validUntil.map { .string(TimeRange.formatRFC3339($0)) }),
                        ])),
                        ("operator", s.operatorName.isEmpty ? nil : .string(s.operatorName)),
                    ])
                })
        }
        func selection(_ s: Selection) -> OrderedJSON {
            switch s {
            case nil: .object([])
            case .all?: .object([("selector", .string("ALL"))])
            case .any?: .object([("selector", .string("ANY"))])
            case .exact(let n)?: .object([("selector", .string("EXACT")), ("count", .number(Int64(n)))])
            }
        }
        return OrderedJSON.members([
            ("mediaType", .string(SigningConfig.mediaTypeV02)), ("caUrls", list(r.ca)), ("oidcUrls", list(r.oidc)),
            ("rekorTlogUrls", list(r.rekor)), ("rekorTlogConfig", selection(r.rekorSelection)), ("tsaUrls", list(r.tsa)),
            ("tsaConfig", selection(r.tsaSelection)),
        ]).serialized()
    }
}
