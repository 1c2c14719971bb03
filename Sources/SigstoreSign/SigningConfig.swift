public import Foundation

/// A Sigstore signing config (`application/vnd.dev.sigstore.signingconfig.v0.2+json`): where the CA, the OIDC
/// issuer, the transparency logs and the timestamp authorities are, and how many of each to use.
public struct SigningConfig: Sendable, Hashable {
    /// The only media type sigstore-go and sigstore-python accept.
    public static let mediaTypeV02 = "application/vnd.dev.sigstore.signingconfig.v0.2+json"

    /// One service endpoint.
    public struct Service: Sendable, Hashable {
        /// The base URL (the full POST URL for timestamp authorities).
        public var url: String
        /// The service's major API version (Rekor: 1 or 2; the others: 1).
        public var majorAPIVersion: Int
        /// When the service may be used.
        public var validFrom: Date?
        /// Until when, if bounded.
        public var validUntil: Date?
        /// Who runs it.
        public var operatorName: String

        /// Creates a service.
        public init(url: String, majorAPIVersion: Int, validFrom: Date? = nil, validUntil: Date? = nil, operatorName: String = "") {
            self.url = url
            self.majorAPIVersion = majorAPIVersion
            self.validFrom = validFrom
            self.validUntil = validUntil
            self.operatorName = operatorName
        }

        func isValid(at time: Date) -> Bool {
            if let validFrom, time < validFrom { return false }
            if let validUntil, time >= validUntil { return false }
            return true
        }
    }

    /// How many services of a kind to use.
    public enum Selector: Sendable, Hashable {
        /// Every valid service (`ALL`, the default).
        case all
        /// One service (`ANY`).
        case any
        /// Exactly `count` services (`EXACT`).
        case exact(Int)
    }

    /// Certificate authorities (Fulcio).
    public var caURLs: [Service]
    /// OIDC issuers.
    public var oidcURLs: [Service]
    /// Transparency logs.
    public var rekorTlogURLs: [Service]
    /// How many logs to write to.
    public var rekorTlogSelector: Selector
    /// Timestamp authorities.
    public var tsaURLs: [Service]
    /// How many timestamp authorities to ask.
    public var tsaSelector: Selector

    /// Creates a config.
    public init(
        caURLs: [Service] = [], oidcURLs: [Service] = [], rekorTlogURLs: [Service] = [], rekorTlogSelector: Selector = .any,
        tsaURLs: [Service] = [], tsaSelector: Selector = .any
    ) {
        self.caURLs = caURLs
        self.oidcURLs = oidcURLs
        self.rekorTlogURLs = rekorTlogURLs
        self.rekorTlogSelector = rekorTlogSelector
        self.tsaURLs = tsaURLs
        self.tsaSelector = tsaSelector
    }

    /// Parses a signing config, or the `signingConfig` member of a ClientTrustConfig.
    public init(jsonData: [UInt8]) throws {
        guard var object = try? JSONSerialization.jsonObject(with: Data(jsonData)) as? [String: Any] else {
            throw SigningError(.configuration, "malformed signing config: not a JSON object")
        }
        if let nested = object["signingConfig"] as? [String: Any] { object = nested }
        let mediaType = object["mediaType"] as? String ?? ""
        guard mediaType == Self.mediaTypeV02 else {
            throw SigningError(
                .configuration, "unsupported signing config media type \"\(mediaType)\": expected \(Self.mediaTypeV02)")
        }
        func services(_ key: String) throws -> [Service] {
            guard let value = object[key] else { return [] }
            guard let list = value as? [[String: Any]] else {
                throw SigningError(.configuration, "malformed signing config: \(key) is not a list of services")
            }
            return try list.map { entry in
                guard let url = entry["url"] as? String, !url.isEmpty else {
                    throw SigningError(.configuration, "malformed signing config: a service in \(key) has no url")
                }
                let version = (entry["majorApiVersion"] as? NSNumber)?.intValue ?? 0
                var start: Date?
                var end: Date?
                if let validFor = entry["validFor"] as? [String: Any] {
                    start = try (validFor["start"] as? String).map { try Self.date($0, key) }
                    end = try (validFor["end"] as? String).map { try Self.date($0, key) }
                }
                return Service(url: url, majorAPIVersion: version, validFrom: start, validUntil: end, operatorName: entry["operator"] as? String ?? "")
            }
        }
        func selector(_ key: String) throws -> Selector {
            guard let config = object[key] as? [String: Any] else { return .all }
            switch config["selector"] as? String ?? "ALL" {
            case "ANY": return .any
            case "EXACT":
                let count = (config["count"] as? NSNumber)?.intValue ?? 0
                guard count > 0 else { throw SigningError(.configuration, "malformed signing config: \(key) EXACT needs a count") }
                return .exact(count)
            case "ALL", "SERVICE_SELECTOR_UNDEFINED": return .all
            case let other: throw SigningError(.configuration, "malformed signing config: unknown selector \(other) in \(key)")
            }
        }
        caURLs = try services("caUrls")
        oidcURLs = try services("oidcUrls")
        rekorTlogURLs = try services("rekorTlogUrls")
        tsaURLs = try services("tsaUrls")
        rekorTlogSelector = try selector("rekorTlogConfig")
        tsaSelector = try selector("tsaConfig")
    }

    static func date(_ text: String, _ key: String) throws -> Date {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        if let date = formatter.date(from: text) { return date }
        throw SigningError(.configuration, "malformed signing config: bad time \"\(text)\" in \(key)")
    }

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
