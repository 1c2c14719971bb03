#if canImport(FoundationEssentials)
internal import FoundationEssentials
#else
internal import Foundation
#endif
internal import SigstoreModels
internal import SigstoreJSON
internal import SigstoreCore

/// Establishing a time for the signature: RFC 3161 timestamps from trusted authorities, the integrated times of log
/// entries whose inclusion promise verified, and (when configured) the verifier's clock.
extension SigstoreVerifier {
    /// The observer times the certificate is checked at, meeting the configured thresholds.
    func verifiedTimes(
        _ bundle: SigstoreBundle, signature: [UInt8], logTimes: [VerificationResult.VerifiedTime]
    ) async throws -> [VerificationResult.VerifiedTime] {
        var signedTimes: [VerificationResult.VerifiedTime] = []
        let observers = configuration.observerTimestampThreshold
        if configuration.signedTimestampThreshold > 0 || observers > 0 {
            signedTimes = try await verifySignedTimestamps(bundle, signature: signature)
        }
        if logTimes.count < configuration.integratedTimestampThreshold {
            throw VerificationError(
                .transparencyLog,
                "threshold not met for verified log entry integrated timestamps: \(logTimes.count) < \(configuration.integratedTimestampThreshold)")
        }
        let countsLogTimes = configuration.integratedTimestampThreshold > 0 || observers > 0
        if observers > 0 && signedTimes.count + logTimes.count < observers {
            throw VerificationError(
                .timestamp,
                "threshold not met for observer timestamps: \(signedTimes.count) RFC 3161 timestamps and \(logTimes.count) log "
                    + "integrated times < \(observers) (a bundle with neither verifies only with useCurrentTime, or "
                    + "allowNoObserverTimestamps for key-signed bundles)")
        }
        var times = signedTimes + (countsLogTimes ? logTimes : [])
        if configuration.useCurrentTime { times.append(.init(source: .currentTime, time: now())) }
        if times.isEmpty && !configuration.allowNoObserverTimestamps {
            throw VerificationError(
                .timestamp,
                "no valid observer timestamps found: set observerTimestampThreshold, integratedTimestampThreshold or "
                    + "signedTimestampThreshold, or useCurrentTime, in the VerifierConfiguration")
        }
        return times
    }

    /// The RFC 3161 timestamps that verify against a trusted authority, at most one per authority.
    func verifySignedTimestamps(_ bundle: SigstoreBundle, signature: [UInt8]) async throws -> [VerificationResult.VerifiedTime] {
        let tokens = bundle.verificationMaterial.timestampVerificationData?.rfc3161Timestamps ?? []
        var verified: [VerificationResult.VerifiedTime] = []
        var uris = Set<String>()
        var errors: [String] = []
        for token in tokens {
            do {
                let ts = try RFC3161Timestamp(responseDER: token.bytes)
                var found: (Date, String)?
                var lastError: (any Error)?
                for tsa in trustMaterial.timestampAuthorities {
                    do {
                        found = (try await ts.verify(signature: signature, authority: tsa), tsa.uri)
                        break
                    } catch { lastError = error }
                }
                guard let (time, uri) = found else {
                    throw lastError ?? VerificationError(.timestamp, "no timestamp authority in the trusted root")
                }
                if uris.contains(uri) {
                    errors.append("duplicate timestamps from the same authority \(uri)")
                    continue
                }
                uris.insert(uri)
                verified.append(.init(source: .timestampAuthority(uri), time: time))
            } catch {
                errors.append("\(error)")
            }
        }
        guard verified.count >= configuration.signedTimestampThreshold else {
            let detail = errors.isEmpty ? "" : ": " + errors.joined(separator: "; ")
            throw VerificationError(
                .timestamp,
                "threshold not met for verified signed timestamps: \(verified.count) < \(configuration.signedTimestampThreshold)\(detail)")
        }
        return verified
    }
}
