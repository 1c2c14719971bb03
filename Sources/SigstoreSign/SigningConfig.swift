#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif
public import SigstoreModels
public import SigstoreVerify
import SigstoreCore

extension SigningConfig {
    /// The services of `list` valid at `time` with a supported major version, the highest version per operator,
    /// newest versions first, then cut down by `selector` (the signing-config spec, as sigstore-go does).
    public static func select(
        _ list: [Service], supported: Set<Int>, selector: Selector, at time: Date, what: String
    ) throws -> [Service] {
        let valid = list.filter { $0.isValid(at: time) && supported.contains($0.majorAPIVersion) }
        var best: [String: Int] = [:]
        for service in valid { best[service.operatorName] = max(best[service.operatorName] ?? 0, service.majorAPIVersion) }
        var seen: Set<String> = []
        let chosen = valid.filter { $0.majorAPIVersion == best[$0.operatorName] && seen.insert($0.operatorName).inserted }
            .enumerated().sorted { ($0.element.majorAPIVersion, -$0.offset) > ($1.element.majorAPIVersion, -$1.offset) }.map(\.element)
        switch selector {
        case .all: return chosen
        case .any: return Array(chosen.prefix(1))
        case .exact(let count):
            guard chosen.count >= count else {
                throw SigningError(.configuration, "signing config: \(count) \(what) services required, \(chosen.count) usable")
            }
            return Array(chosen.prefix(count))
        }
    }

    /// The first usable service of a list whose only supported version is 1 (CA, OIDC issuer).
    public static func first(_ list: [Service], at time: Date) -> Service? {
        list.first { $0.isValid(at: time) && $0.majorAPIVersion == 1 }
    }
}

extension SigningServices {
    /// The services a signing config names that are valid at `time`: the transparency logs (Rekor v1 and v2) and
    /// timestamp authorities its selectors pick, as sigstore-go and cosign pick them.
    /// - Parameters:
    ///   - config: The signing config (from TUF's `signing_config.v0.2.json`, or a file).
    ///   - trustMaterial: The trust material that checks the certificate and the result.
    ///   - http: The client for the logs (and the timestamp authorities unless `timestampHTTP` is given).
    ///   - timestampHTTP: A client of its own for the timestamp authorities (client certificates, a private CA).
    ///   - time: When the services must be valid.
    /// - Throws: ``SigningError`` when a selector asks for more services than the config lists.
    public init(
        signingConfig config: SigningConfig, trustMaterial: TrustMaterial?, http: ServiceHTTP, timestampHTTP: ServiceHTTP? = nil,
        at time: Date = Date()
    ) throws {
        let logs = try SigningConfig.select(
            config.rekorTlogURLs, supported: [1, 2], selector: config.rekorTlogSelector, at: time, what: "transparency log"
        ).map { RekorClient(baseURL: $0.url, apiVersion: $0.majorAPIVersion, http: http) }
        let timestampAuthorities = try SigningConfig.select(
            config.tsaURLs, supported: [1], selector: config.tsaSelector, at: time, what: "timestamp authority"
        ).map { TimestampClient(url: $0.url, http: timestampHTTP ?? http) }
        self.init(transparencyLogs: logs, timestampAuthorities: timestampAuthorities, trustMaterial: trustMaterial)
    }

    /// Whether a signature made through these services would carry no verifiable time of signing: a Rekor v2 log
    /// (whose entries have no integrated time) and no timestamp authority. Keyless signing refuses that, as cosign
    /// does, since a short-lived certificate is checked at the time of signing.
    public var lacksTimeOfSigning: Bool {
        timestampAuthorities.isEmpty && transparencyLogs.contains { $0.apiVersion == 2 }
    }
}
