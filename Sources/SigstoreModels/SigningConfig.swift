#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif
import SigstoreCore
import SigstoreJSON

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

        /// Whether the service may be used at `time`.
        public func isValid(at time: Date) -> Bool {
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
    /// - Throws: ``BundleError`` for a document that is not a v0.2 signing config.
    public init(jsonData: [UInt8]) throws {
        let document: Document
        do {
            let outer = try JSONCoding.decode(Document.self, from: jsonData, what: "signing config", limit: 1 << 20, strict: true)
            document = outer.signingConfig?.value ?? outer
        } catch let error as JSONError {
            throw BundleError(.malformed, error.message, underlying: error)
        }
        let mediaType = document.mediaType ?? ""
        guard mediaType == Self.mediaTypeV02 else {
            throw BundleError(
                .unsupportedVersion, "unsupported signing config media type \"\(mediaType)\": expected \(Self.mediaTypeV02)")
        }
        func services(_ list: [Document.Service]?, _ key: String) throws -> [Service] {
            try (list ?? []).map { entry in
                guard let url = entry.url, !url.isEmpty else {
                    throw BundleError(.malformed, "malformed signing config: a service in \(key) has no url")
                }
                return Service(
                    url: url, majorAPIVersion: entry.majorApiVersion ?? 0, validFrom: try entry.validFor?.start.map { try Self.date($0, key) },
                    validUntil: try entry.validFor?.end.map { try Self.date($0, key) }, operatorName: entry.operator ?? "")
            }
        }
        func selector(_ config: Document.Selection?, _ key: String) throws -> Selector {
            guard let config else { return .all }
            switch config.selector ?? "ALL" {
            case "ANY": return .any
            case "EXACT":
                guard let count = config.count, count > 0 else {
                    throw BundleError(.malformed, "malformed signing config: \(key) EXACT needs a count")
                }
                return .exact(count)
            case "ALL", "SERVICE_SELECTOR_UNDEFINED": return .all
            case let other: throw BundleError(.malformed, "malformed signing config: unknown selector \(other) in \(key)")
            }
        }
        caURLs = try services(document.caUrls, "caUrls")
        oidcURLs = try services(document.oidcUrls, "oidcUrls")
        rekorTlogURLs = try services(document.rekorTlogUrls, "rekorTlogUrls")
        tsaURLs = try services(document.tsaUrls, "tsaUrls")
        rekorTlogSelector = try selector(document.rekorTlogConfig, "rekorTlogConfig")
        tsaSelector = try selector(document.tsaConfig, "tsaConfig")
    }

    /// The protobuf-specs JSON of the signing config, members in the order sigstore-go writes them.
    public func jsonData() -> [UInt8] {
        func list(_ services: [Service]) -> OrderedJSON {
            .array(
                services.map { service in
                    var validFor: [(String, OrderedJSON?)] = []
                    validFor.append(("start", service.validFrom.map { .string(Self.format($0)) }))
                    validFor.append(("end", service.validUntil.map { .string(Self.format($0)) }))
                    return .members([
                        ("url", .string(service.url)), ("majorApiVersion", .number(Int64(service.majorAPIVersion))),
                        ("validFor", .members(validFor)), ("operator", .string(service.operatorName)),
                    ])
                })
        }
        func selection(_ selector: Selector) -> OrderedJSON {
            switch selector {
            case .all: .object([("selector", .string("ALL"))])
            case .any: .object([("selector", .string("ANY"))])
            case .exact(let count): .object([("selector", .string("EXACT")), ("count", .number(Int64(count)))])
            }
        }
        return OrderedJSON.object([
            ("mediaType", .string(Self.mediaTypeV02)), ("caUrls", list(caURLs)), ("oidcUrls", list(oidcURLs)),
            ("rekorTlogUrls", list(rekorTlogURLs)), ("tsaUrls", list(tsaURLs)),
            ("rekorTlogConfig", selection(rekorTlogSelector)), ("tsaConfig", selection(tsaSelector)),
        ]).indented("  ")
    }

    static func date(_ text: String, _ key: String) throws -> Date {
        if let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text) { return date }
        if let date = try? Date.ISO8601FormatStyle().parse(text) { return date }
        throw BundleError(.malformed, "malformed signing config: bad time \"\(text)\" in \(key)")
    }

    static func format(_ date: Date) -> String { TimeRange.formatRFC3339(date) }

    /// The JSON document as protobuf-specs writes it (every member optional, as protojson allows).
    private struct Document: Decodable {
        struct Service: Decodable {
            struct Validity: Decodable {
                var start: String?
                var end: String?
            }
            var url: String?
            var majorApiVersion: Int?
            var validFor: Validity?
            var `operator`: String?
        }
        struct Selection: Decodable {
            var selector: String?
            var count: Int?
        }
        /// A ClientTrustConfig's nested signing config.
        final class Nested: Decodable, Sendable {
            let value: Document
            init(from decoder: any Decoder) throws { value = try Document(from: decoder) }
        }
        var mediaType: String?
        var caUrls: [Service]?
        var oidcUrls: [Service]?
        var rekorTlogUrls: [Service]?
        var tsaUrls: [Service]?
        var rekorTlogConfig: Selection?
        var tsaConfig: Selection?
        var signingConfig: Nested?
    }
}
