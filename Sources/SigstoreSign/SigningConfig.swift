#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif
public import SigstoreModels
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
